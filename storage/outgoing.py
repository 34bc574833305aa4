"""Outgoing: the one way a row is queued in the outbox outside a protocol's plan (staff-chat
posts, escalation timers, notices, a one-off message to a patient). Delivery sends it like
any other row (jobs/dispatch.py); a protocol's planned messages are written by
`storage/repositories/messages.py` `replace_pending` from core.plans.

Defaults are those of a staff post: no patient (so /stop and a blocked chat never touch
it), quiet hours ignored, due at `now`. `patient_id` makes it the patient's own message;
`about_patient_id` names the patient a staff post is about, so erasure finds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.statuses import MessageKind, MessageStatus


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    kind: MessageKind
    chat_id: int
    text: str
    step_id: str
    now: datetime  # created at; due then unless `due_at`
    due_at: datetime | None = None
    occurrence: int = 0
    patient_id: int | None = None
    about_patient_id: int | None = None
    case_id: int | None = None
    buttons: Sequence[tuple[str, str]] = ()  # (option id or callback data, label)
    respects_quiet_hours: bool = False
    thread_id: int | None = None  # the patient's forum topic in the staff chat
    reply_to: int | None = None  # the message it answers (or edits, or deletes)
    copy_from: tuple[int, int] | None = None  # a copy: the patient's (chat, message) ids
    copy_message_ids: Sequence[int] | None = None  # a copy of an album: all its messages
    # A post the bot already made (not through the outbox): recorded as sent with its id.
    telegram_message_id: int | None = None

    def values(self) -> dict[str, Any]:
        """The scheduled_messages row (column values) for an insert."""
        due = self.due_at or self.now
        sent = self.telegram_message_id is not None
        return {
            "enrollment_id": None, "patient_id": self.patient_id,
            "about_patient_id": self.about_patient_id, "case_id": self.case_id,
            "chat_id": self.chat_id, "step_id": self.step_id, "occurrence": self.occurrence,
            "kind": self.kind, "text": self.text,
            "options": [{"id": key, "text": label} for key, label in self.buttons]
            if self.buttons else None,
            "due_at": due, "expires_at": None, "moved_by_quiet_hours": False,
            "respects_quiet_hours": self.respects_quiet_hours,
            "status": MessageStatus.SENT if sent else MessageStatus.PENDING,
            "available_at": due, "attempts": 0, "created_at": self.now,
            "thread_id": self.thread_id, "reply_to_message_id": self.reply_to,
            "copy_from_chat_id": self.copy_from[0] if self.copy_from else None,
            "copy_message_id": self.copy_from[1] if self.copy_from else None,
            "copy_message_ids": list(self.copy_message_ids)
            if self.copy_message_ids is not None else None,
            "telegram_message_id": self.telegram_message_id,
            "sent_at": self.now if sent else None, "finished_at": self.now if sent else None,
        }
