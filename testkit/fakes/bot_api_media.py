"""The media a fake user sends: Telegram's photo, voice, video, video note, document and sticker
objects, each file with its own id and bytes that getFile serves."""

from __future__ import annotations

import mimetypes

from testkit.fakes.bot_api_state import JSON, BotState

# Sizes Telegram makes of one uploaded photo, smallest first (the message lists them all).
PHOTO_SIZES = ((90, 68), (320, 240), (1280, 960))


def photo(state: BotState, content: bytes | None = None) -> JSON:
    """`{"photo": [PhotoSize, ...]}`; the largest size holds `content` when given."""
    sizes = []
    for width, height in PHOTO_SIZES:
        largest = (width, height) == PHOTO_SIZES[-1]
        data = content if largest and content else None
        sizes.append({**_file(state, "photo", "photos", "jpg", data), "width": width,
                      "height": height})
    return {"photo": sizes}


def voice(state: BotState, duration: int, content: bytes | None = None) -> JSON:
    """`{"voice": Voice}` of an Opus voice note."""
    return {"voice": {**_file(state, "voice", "voice", "oga", content), "duration": duration,
                      "mime_type": "audio/ogg"}}


def video(state: BotState, duration: int, content: bytes | None = None) -> JSON:
    """`{"video": Video}`, 1280x720 MP4 with a thumbnail."""
    return {"video": {**_file(state, "video", "videos", "mp4", content), "width": 1280,
                      "height": 720, "duration": duration, "mime_type": "video/mp4",
                      "thumbnail": _thumbnail(state, 320, 180)}}


def video_note(state: BotState, duration: int, content: bytes | None = None) -> JSON:
    """`{"video_note": VideoNote}`, a round 240x240 video with a thumbnail."""
    return {"video_note": {**_file(state, "video_note", "video_notes", "mp4", content),
                           "length": 240, "duration": duration,
                           "thumbnail": _thumbnail(state, 240, 240)}}


def document(state: BotState, file_name: str, content: bytes | None = None) -> JSON:
    """`{"document": Document}` with the MIME type its name suggests."""
    mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
    return {"document": {**_file(state, "document", "documents", extension, content),
                         "file_name": file_name, "mime_type": mime_type}}


def sticker(state: BotState, emoji: str) -> JSON:
    """`{"sticker": Sticker}`, a static 512x512 WebP sticker for `emoji`."""
    return {"sticker": {**_file(state, "sticker", "stickers", "webp", None), "width": 512,
                        "height": 512, "emoji": emoji, "is_animated": False, "is_video": False,
                        "type": "regular"}}


def _thumbnail(state: BotState, width: int, height: int) -> JSON:
    return {**_file(state, "thumb", "thumbnails", "jpg", None), "width": width,
            "height": height}


def _file(state: BotState, kind: str, folder: str, extension: str,
          content: bytes | None) -> JSON:
    """A new file's id, unique id and size; its bytes are kept so getFile can serve them."""
    file_id = state.new_file_id(kind)
    data = content if content is not None else f"fake {kind} {file_id}".encode()
    with state.cond:
        state.files[file_id] = data
        state.file_paths[file_id] = f"{folder}/{file_id}.{extension}"
    return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data)}
