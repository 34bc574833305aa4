"""The Bot API methods the fake answers (all but getUpdates), with Telegram's checks and errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from testkit.fakes.bot_api_copy import COPY_METHOD_NAMES, CopyMethods
from testkit.fakes.bot_api_errors import ApiError, bad_request
from testkit.fakes.bot_api_forum import FORUM_METHOD_NAMES, ForumMethods
from testkit.fakes.bot_api_messages import (
    MessageBuilder,
    markup_of,
    text_of,
    visible_of,
)
from testkit.fakes.bot_api_state import (
    JSON,
    BotState,
    CallbackAnswer,
    SentMessage,
    WebhookConfig,
    unix_now,
)
from testkit.fakes.bot_api_topics import ForumTopics

__all__ = ["METHOD_NAMES", "ApiError", "BotMethods", "bad_request"]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# A bot may delete a message only within 48 hours of its sending (Bot API, deleteMessage).
DELETE_WINDOW_SECONDS = 48 * 3600
# What BotMethods answers; getUpdates (a long poll) lives in the server.
METHOD_NAMES = (
    "getMe", "sendMessage", "sendPhoto", "sendDocument", "answerCallbackQuery",
    "editMessageText", "editMessageReplyMarkup", "editMessageCaption", "deleteMessage",
    "setMyCommands", "deleteMyCommands", "getMyCommands",
    "setWebhook", "deleteWebhook", "getWebhookInfo", "getChat", "sendChatAction",
    "getFile", "close", "logOut", *FORUM_METHOD_NAMES, *COPY_METHOD_NAMES,
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class BotMethods:
    """Method implementations over `BotState`; `admit(chat_id)` raises 429 past the limits."""

    def __init__(
        self,
        *,
        state: BotState,
        topics: ForumTopics,
        bot_user: JSON,
        admit: Callable[[int], None],
        on_send: Callable[[SentMessage], None],
    ) -> None:
        self.state = state
        self.bot_user = bot_user
        self.messages = MessageBuilder(state=state, topics=topics, bot_user=bot_user,
                                       admit=admit, on_send=on_send)
        self.forum = ForumMethods(state=state, topics=topics, messages=self.messages)
        self.copying = CopyMethods(state=state, messages=self.messages)
        owners = {**dict.fromkeys(FORUM_METHOD_NAMES, self.forum),
                  **dict.fromkeys(COPY_METHOD_NAMES, self.copying)}
        self.table: dict[str, Callable[[JSON, dict[str, bytes]], Any]] = {
            name.lower(): getattr(owners.get(name, self), name) for name in METHOD_NAMES
        }

    # identity and housekeeping -----------------------------------------------------------

    def getMe(self, params: JSON, files: dict[str, bytes]) -> JSON:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def close(self, params: JSON, files: dict[str, bytes]) -> bool:
        return True

    def logOut(self, params: JSON, files: dict[str, bytes]) -> bool:
        return True

    def getChat(self, params: JSON, files: dict[str, bytes]) -> JSON:
        chat = self.messages.chat(params)
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def sendChatAction(self, params: JSON, files: dict[str, bytes]) -> bool:
        self.messages.chat(params)
        if not params.get("action"):
            raise bad_request("action is empty")
        return True

    # sending -----------------------------------------------------------------------------

    def sendMessage(self, params: JSON, files: dict[str, bytes]) -> JSON:
        chat = self.messages.chat(params)
        text = text_of(params.get("text"))
        if not text.strip():
            raise bad_request("message text is empty")
        parse_mode = params.get("parse_mode")
        visible = visible_of(text, parse_mode)
        if not visible.strip():
            raise bad_request("message text is empty")
        if len(visible) > TEXT_LIMIT:
            raise bad_request("message is too long")
        markup = markup_of(params.get("reply_markup"))
        thread = self.messages.thread(chat, params)
        self.messages.admit(chat["id"])
        message = self.messages.record(
            "sendMessage", chat, params, thread=thread, text=text, visible=visible,
            parse_mode=parse_mode, markup=markup, extra={"text": visible},
        )
        return message.payload

    def sendPhoto(self, params: JSON, files: dict[str, bytes]) -> JSON:
        chat = self.messages.chat(params)
        photo_bytes, file_ref = self._photo(params, files)
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        visible = visible_of(text_of(caption), parse_mode) if caption else ""
        if len(visible) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        markup = markup_of(params.get("reply_markup"))
        thread = self.messages.thread(chat, params)
        self.messages.admit(chat["id"])
        file_id = file_ref or self.state.new_file_id("photo")
        if photo_bytes is not None:
            with self.state.cond:
                self.state.files[file_id] = photo_bytes
        size = len(photo_bytes) if photo_bytes is not None else 0
        extra: JSON = {"photo": [{"file_id": file_id, "file_unique_id": f"u{file_id}",
                                  "width": 512, "height": 512, "file_size": size}]}
        if caption:
            extra["caption"] = visible
        message = self.messages.record(
            "sendPhoto", chat, params, thread=thread, text=None, visible=visible,
            parse_mode=parse_mode, markup=markup, extra=extra, caption=caption,
            photo=photo_bytes, file_id=file_id,
        )
        return message.payload

    def sendDocument(self, params: JSON, files: dict[str, bytes]) -> JSON:
        """A file sent as a document (the bot's /calendar): kept with its name and bytes,
        which getFile and the file endpoint then serve like a user's document."""
        chat = self.messages.chat(params)
        ref = params.get("document")
        name = "document"
        if isinstance(ref, str) and ref.startswith("attach://"):
            name = ref.removeprefix("attach://")
        content = files.get(name)
        if content is None:
            if isinstance(ref, str) and ref:
                raise bad_request("wrong remote file identifier specified")
            raise bad_request("there is no document in the request")
        if not content:
            raise bad_request("file must be non-empty")
        filename = (params.get("_filenames") or {}).get(name) or "file"
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        visible = visible_of(text_of(caption), parse_mode) if caption else ""
        if len(visible) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        markup = markup_of(params.get("reply_markup"))
        thread = self.messages.thread(chat, params)
        self.messages.admit(chat["id"])
        file_id = self.state.new_file_id("document")
        extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        with self.state.cond:
            self.state.files[file_id] = content
            self.state.file_paths[file_id] = f"documents/{file_id}.{extension}"
        extra: JSON = {"document": {"file_id": file_id, "file_unique_id": f"u{file_id}",
                                    "file_name": filename, "file_size": len(content)}}
        if caption:
            extra["caption"] = visible
        message = self.messages.record(
            "sendDocument", chat, params, thread=thread, text=None, visible=visible,
            parse_mode=parse_mode, markup=markup, extra=extra, caption=caption,
            document=content, document_name=filename,
        )
        return message.payload

    def _photo(self, params: JSON, files: dict[str, bytes]) -> tuple[bytes | None, str | None]:
        ref = params.get("photo")
        if isinstance(ref, str) and ref.startswith("attach://"):
            ref = None
            name = str(params["photo"]).removeprefix("attach://")
            upload = files.get(name)
        else:
            upload = files.get("photo")
        if upload is not None:
            if not upload:
                raise bad_request("file must be non-empty")
            return upload, None
        if isinstance(ref, str) and ref:
            return None, ref  # a file_id or URL: Telegram fetches it, we just record it
        raise bad_request("there is no photo in the request")

    # editing -----------------------------------------------------------------------------

    def editMessageText(self, params: JSON, files: dict[str, bytes]) -> JSON:
        old = self._editable(params)
        if "text" not in old.payload:
            raise bad_request("there is no text in the message to edit")
        text = text_of(params.get("text"))
        parse_mode = params.get("parse_mode")
        visible = visible_of(text, parse_mode)
        if not visible.strip():
            raise bad_request("message text is empty")
        if len(visible) > TEXT_LIMIT:
            raise bad_request("message is too long")
        markup = markup_of(params.get("reply_markup"))
        if visible == old.visible and markup == old.reply_markup:
            raise bad_request(NOT_MODIFIED)
        return self._edit(old, text=text, visible=visible, parse_mode=parse_mode, markup=markup)

    def editMessageReplyMarkup(self, params: JSON, files: dict[str, bytes]) -> JSON:
        old = self._editable(params)
        markup = markup_of(params.get("reply_markup"))
        if markup == old.reply_markup:
            raise bad_request(NOT_MODIFIED)
        return self._edit(old, text=old.text, visible=old.visible, parse_mode=old.parse_mode,
                          markup=markup)

    def editMessageCaption(self, params: JSON, files: dict[str, bytes]) -> JSON:
        old = self._editable(params)
        if "text" in old.payload:
            raise bad_request("there is no caption in the message to edit")
        caption = text_of(params.get("caption"))
        parse_mode = params.get("parse_mode")
        visible = visible_of(caption, parse_mode) if caption else ""
        if len(visible) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        markup = markup_of(params.get("reply_markup"))
        if visible == old.visible and markup == old.reply_markup:
            raise bad_request(NOT_MODIFIED)
        payload = {k: v for k, v in old.payload.items()
                   if k not in ("reply_markup", "caption", "caption_entities")}
        payload["edit_date"] = unix_now()
        if visible:
            payload["caption"] = visible
        if markup and "inline_keyboard" in markup:
            payload["reply_markup"] = markup
        self.state.replace(old, caption=caption or None, visible=visible, parse_mode=parse_mode,
                           reply_markup=markup, payload=payload)
        return payload

    def deleteMessage(self, params: JSON, files: dict[str, bytes]) -> bool:
        """The bot's own message, within 48 hours of its sending (Telegram's rule); a
        service message (a topic made, closed...) never."""
        chat = self.messages.chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise bad_request("message identifier is not specified")
        key = (chat["id"], message_id)
        with self.state.cond:
            is_service = key in self.state.service_messages
        if is_service:
            raise bad_request("message can't be deleted")
        old = self.state.find(*key)
        if old is None or old.deleted:
            raise bad_request("message to delete not found")
        if unix_now() - old.date > DELETE_WINDOW_SECONDS:
            raise bad_request("message can't be deleted")
        self.state.replace(old, deleted=True, edits=old.edits)
        return True

    def _editable(self, params: JSON) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake")
        chat = self.messages.chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        old = self.state.find(chat["id"], message_id)
        if old is None or old.deleted:
            raise bad_request("message to edit not found")
        return old

    def _edit(self, old: SentMessage, *, text: str | None, visible: str,
              parse_mode: str | None, markup: JSON | None) -> JSON:
        payload = {k: v for k, v in old.payload.items() if k != "reply_markup"}
        payload["edit_date"] = unix_now()
        payload["text" if "text" in old.payload else "caption"] = visible
        if markup and "inline_keyboard" in markup:
            payload["reply_markup"] = markup
        self.state.replace(old, text=text, visible=visible, parse_mode=parse_mode,
                           reply_markup=markup, payload=payload)
        return payload

    # callbacks and commands --------------------------------------------------------------

    def answerCallbackQuery(self, params: JSON, files: dict[str, bytes]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        with self.state.cond:
            if query_id not in self.state.open_callbacks:
                raise bad_request(
                    "query is too old and response timeout expired or query ID is invalid"
                )
            self.state.open_callbacks.discard(query_id)
            self.state.callback_answers.append(CallbackAnswer(
                callback_query_id=query_id, text=None if text is None else str(text),
                show_alert=bool(params.get("show_alert", False)),
            ))
        return True

    def setMyCommands(self, params: JSON, files: dict[str, bytes]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 commands")
        for command in commands:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        with self.state.cond:
            self.state.commands[_command_key(params)] = list(commands)
        return True

    def getMyCommands(self, params: JSON, files: dict[str, bytes]) -> list[JSON]:
        with self.state.cond:
            return list(self.state.commands.get(_command_key(params), []))

    def deleteMyCommands(self, params: JSON, files: dict[str, bytes]) -> bool:
        with self.state.cond:
            self.state.commands.pop(_command_key(params), None)
        return True

    # webhook -----------------------------------------------------------------------------

    def setWebhook(self, params: JSON, files: dict[str, bytes]) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        with self.state.cond:
            if params.get("drop_pending_updates"):
                self.state.updates.clear()
            if allowed is not None:
                self.state.allowed_updates = list(allowed)
            self.state.webhook = WebhookConfig(
                url=url, secret_token=None if secret is None else str(secret),
                allowed_updates=allowed, max_connections=params.get("max_connections"),
            ) if url else None
        return True

    def deleteWebhook(self, params: JSON, files: dict[str, bytes]) -> bool:
        with self.state.cond:
            if params.get("drop_pending_updates"):
                self.state.updates.clear()
            self.state.webhook = None
        return True

    def getWebhookInfo(self, params: JSON, files: dict[str, bytes]) -> JSON:
        with self.state.cond:
            hook = self.state.webhook
            info: JSON = {"url": hook.url if hook else "", "has_custom_certificate": False,
                          "pending_update_count": len(self.state.updates)}
            if hook and hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook and hook.max_connections is not None:
                info["max_connections"] = hook.max_connections
        return info

    def getFile(self, params: JSON, files: dict[str, bytes]) -> JSON:
        file_id = str(params.get("file_id", ""))
        with self.state.cond:
            content = self.state.files.get(file_id)
            path = self.state.file_paths.get(file_id, f"photos/{file_id}.jpg")
        if content is None:
            raise bad_request("invalid file_id")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content),
                "file_path": path}


def _command_key(params: JSON) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")
