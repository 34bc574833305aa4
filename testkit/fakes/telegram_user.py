"""A Telegram user for tests: sends messages, presses buttons, blocks the bot, reads replies."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from testkit.fakes import bot_api_media as media
from testkit.fakes.bot_api_messages import message_payload, replied_payload
from testkit.fakes.bot_api_state import JSON, Predicate, SentMessage, unix_now

if TYPE_CHECKING:
    from testkit.fakes.bot_api import FakeBotApi


class TelegramUser:
    """One human (patient or staff) talking to the bot through the fake API.

    Every action (send, press, reply, block) hands a realistic update to the bot; `expect()`
    then waits for the next message the bot sends to the user's private chat.
    """

    def __init__(
        self,
        api: FakeBotApi,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> None:
        if user_id <= 0:
            raise ValueError("user ids are positive")
        self.api = api
        self.id = user_id
        self.user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            self.user["last_name"] = last_name
        if username:
            self.user["username"] = username
        if language_code:
            self.user["language_code"] = language_code
        self.chat: JSON = {"id": user_id, "type": "private", "first_name": first_name}
        if username:
            self.chat["username"] = username
        api.state.register_chat(self.chat)
        self._cursor: dict[int, int] = {}

    @property
    def chat_id(self) -> int:
        """The private chat with the bot has the user's id."""
        return self.id

    # actions -----------------------------------------------------------------------------

    async def send(
        self, text: str, *, chat_id: int | None = None, thread_id: int | None = None
    ) -> JSON:
        """Send `text` (a /command gets its bot_command entity) in the private chat or `chat_id`,
        in forum topic `thread_id` if given."""
        return await self._deliver(chat_id, thread_id, _text_content(text))

    async def reply_to(
        self, message: SentMessage, text: str, *, thread_id: int | None = None
    ) -> JSON:
        """Reply to a bot message in its chat (e.g. staff answering an alert in the group); the
        reply stays in the message's forum topic unless `thread_id` says otherwise."""
        current = self.api.state.find(message.chat_id, message.message_id) or message
        thread = thread_id if thread_id is not None else current.message_thread_id
        return await self._deliver(message.chat_id, thread, _text_content(text),
                                   reply=current.payload)

    # media: each file gets fresh ids; `caption` has no entities ----------------------------

    async def send_photo(
        self, caption: str | None = None, *, chat_id: int | None = None,
        thread_id: int | None = None, content: bytes | None = None,
    ) -> JSON:
        """Send a photo (three PhotoSize entries, the largest holding `content` if given)."""
        return await self._deliver(chat_id, thread_id,
                                   _captioned(media.photo(self.api.state, content), caption))

    async def send_voice(
        self, caption: str | None = None, duration: int = 3, *, chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """Send a voice note of `duration` seconds."""
        return await self._deliver(chat_id, thread_id,
                                   _captioned(media.voice(self.api.state, duration), caption))

    async def send_video(
        self, caption: str | None = None, duration: int = 5, *, chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """Send a video of `duration` seconds."""
        return await self._deliver(chat_id, thread_id,
                                   _captioned(media.video(self.api.state, duration), caption))

    async def send_video_note(
        self, duration: int = 4, *, chat_id: int | None = None, thread_id: int | None = None
    ) -> JSON:
        """Send a round video note (Telegram gives these no caption)."""
        return await self._deliver(chat_id, thread_id,
                                   media.video_note(self.api.state, duration))

    async def send_document(
        self, file_name: str = "scan.pdf", caption: str | None = None, *,
        chat_id: int | None = None, thread_id: int | None = None,
    ) -> JSON:
        """Send a file as a document."""
        content = media.document(self.api.state, file_name)
        return await self._deliver(chat_id, thread_id, _captioned(content, caption))

    async def send_album(
        self, count: int = 2, caption: str | None = None, *, documents: bool = False,
        chat_id: int | None = None, thread_id: int | None = None,
    ) -> list[JSON]:
        """Send an album: `count` photos (or documents) sent together, as Telegram hands them
        to a bot: one message each, in order, sharing a media_group_id; the caption (if
        any) on the first."""
        group = self.api.state.new_file_id("group")
        sent = []
        for index in range(count):
            content = (media.document(self.api.state, f"page{index + 1}.pdf") if documents
                       else media.photo(self.api.state))
            content["media_group_id"] = group
            sent.append(await self._deliver(
                chat_id, thread_id, _captioned(content, caption if index == 0 else None)))
        return sent

    async def send_sticker(
        self, emoji: str = "👍", *, chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """Send a sticker for `emoji`."""
        return await self._deliver(chat_id, thread_id, media.sticker(self.api.state, emoji))

    async def edit(self, update: JSON, text: str) -> JSON:
        """Edit a message this user sent (`update` is what `send`/`reply_to` returned): the
        bot gets an `edited_message` with the same id and the new text."""
        original = dict(update["message"])
        if "text" not in original:  # a media message: the caption is what changes
            original["caption"] = text
            original["edit_date"] = unix_now()
            return await self.api.deliver({"edited_message": original})
        original["text"] = text
        original["edit_date"] = unix_now()
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            original["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        else:
            original.pop("entities", None)
        return await self.api.deliver({"edited_message": original})

    async def press(self, button: str, *, on_message: SentMessage | None = None) -> JSON:
        """Press an inline button by its exact text, its callback_data or a unique text prefix.

        Without `on_message` the newest bot message in the private chat offering it is used.
        """
        message, data = self._find_button(button, on_message)
        self._mark(message.chat_id)
        query: JSON = {
            "id": self.api.state.new_callback_id(),
            "from": self.user,
            "message": message.payload,
            "chat_instance": f"ci{message.chat_id}",
            "data": data,
        }
        return await self.api.deliver({"callback_query": query})

    async def block_bot(self) -> JSON:
        """Block the bot: a my_chat_member update (member -> kicked); later sends get 403."""
        self.api.faults.blocked_chats.add(self.id)
        return await self.api.deliver({"my_chat_member": self._membership("member", "kicked")})

    async def unblock_bot(self) -> JSON:
        """Unblock the bot again (kicked -> member)."""
        self.api.faults.blocked_chats.discard(self.id)
        return await self.api.deliver({"my_chat_member": self._membership("kicked", "member")})

    # reading -----------------------------------------------------------------------------

    def messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """What the bot sent to the private chat (or `chat_id`), oldest first."""
        return self.api.sent_to(self.id if chat_id is None else chat_id)

    async def expect(
        self,
        predicate: Predicate = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - mirrors FakeBotApi.wait_for
        chat_id: int | None = None,
    ) -> SentMessage:
        """The next bot message (matching `predicate`) since this user's last action or expect.

        A str predicate matches a substring of the visible text or caption.
        """
        chat = self.id if chat_id is None else chat_id
        since = self._cursor.get(chat, 0)
        index, message = await self.api.wait_for_index(chat, predicate, timeout=timeout,
                                                       since=since)
        self._cursor[chat] = index + 1
        return message

    async def expect_nothing(self, seconds: float = 0.3, *, chat_id: int | None = None) -> None:
        """Assert the bot sends this chat nothing new within `seconds`."""
        chat = self.id if chat_id is None else chat_id
        since = self._cursor.get(chat, 0)
        await asyncio.sleep(seconds)
        extra = self.api.sent_to(chat)[since:]
        assert not extra, f"the bot sent {len(extra)} unexpected message(s) to chat {chat}"

    # building updates --------------------------------------------------------------------

    def _chat(self, chat_id: int | None) -> JSON:
        if chat_id is None:
            return self.chat
        chat = self.api.state.chat(chat_id)
        if chat is None:
            raise LookupError(f"unknown chat {chat_id}; register it with api.group()")
        return chat

    def _mark(self, chat_id: int) -> None:
        # Replies to this action are what the user expects next.
        self._cursor[chat_id] = len(self.api.sent_to(chat_id))

    async def _deliver(
        self, chat_id: int | None, thread_id: int | None, content: JSON,
        reply: JSON | None = None,
    ) -> JSON:
        chat = self._chat(chat_id)
        self._mark(chat["id"])
        return await self.api.deliver({"message": self._message(chat, content, thread_id, reply)})

    def _message(
        self, chat: JSON, content: JSON | str, thread_id: int | None = None,
        reply: JSON | None = None,
    ) -> JSON:
        """A new message of this user in `chat` (a str is a text message), kept in the state."""
        if isinstance(content, str):
            content = _text_content(content)
        if thread_id is not None:
            self._check_topic(chat, thread_id)
        message_id = self.api.state.next_message_id(chat["id"])
        payload = message_payload(message_id, self.user, chat, thread_id)
        payload.update(content)
        # In a topic, a message without a reply replies to the topic's creation message.
        replied = (replied_payload(self.api.state, chat["id"], None, thread_id) if reply is None
                   else {k: v for k, v in reply.items() if k != "reply_to_message"})
        if replied is not None:
            payload["reply_to_message"] = replied
        with self.api.state.cond:
            self.api.state.user_messages[(chat["id"], message_id)] = payload
        return payload

    def _check_topic(self, chat: JSON, thread_id: int) -> None:
        # A test mistake, not a Telegram answer: users can only write in topics that exist.
        if not chat.get("is_forum"):
            raise ValueError(f"chat {chat['id']} is not a forum; use api.group(..., forum=True)")
        topic = self.api.forum.get(chat["id"], thread_id)
        if topic is None or topic.deleted:
            raise LookupError(f"no topic {thread_id} in chat {chat['id']}")

    def _membership(self, old: str, new: str) -> JSON:
        member: JSON = {"user": self.api.bot_user, "status": new}
        if new == "kicked":
            member["until_date"] = 0
        return {
            "chat": self.chat,
            "from": self.user,
            "date": unix_now(),
            "old_chat_member": {"user": self.api.bot_user, "status": old},
            "new_chat_member": member,
        }

    def _find_button(
        self, wanted: str, on_message: SentMessage | None
    ) -> tuple[SentMessage, str]:
        if on_message is not None:
            current = self.api.state.find(on_message.chat_id, on_message.message_id)
            candidates = [current or on_message]
        else:
            candidates = list(reversed(self.api.sent_to(self.id)))
        for message in candidates:
            data = _button_data(message, wanted)
            if data is not None:
                return message, data
        offered = [b.text for m in candidates[:3] for b in m.buttons]
        raise LookupError(f"no inline button {wanted!r}; recent buttons: {offered}")


def _text_content(text: str) -> JSON:
    content: JSON = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0] if text.strip() else text
        content["entities"] = [
            {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
        ]
    return content


def _captioned(content: JSON, caption: str | None) -> JSON:
    if caption is not None:
        content["caption"] = caption
    return content


def _button_data(message: SentMessage, wanted: str) -> str | None:
    buttons = [b for b in message.buttons if b.callback_data is not None]
    for button in buttons:
        if wanted in (button.text, button.callback_data):
            return button.callback_data
    prefixed = [b for b in buttons if b.text.startswith(wanted)]
    if len(prefixed) == 1:
        return prefixed[0].callback_data
    return None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
