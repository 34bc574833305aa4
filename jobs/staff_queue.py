"""The staff group's queue in delivery: red-flag cases' posts first, and posts that wait for
the patient's forum topic while a `topic_open` row makes it (services/staff_alerts.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from core.statuses import TOPIC_PENDING, EscalationKind, MessageKind
from storage.outbox import ClaimedMessage

# A post waiting for its patient's topic that no send of this process is making looks
# again after one group spacing (at least TOPIC_RECHECK, at most TOPIC_RECHECK_MAX); after
# TOPIC_WAIT it goes to the chat itself rather than wait longer (the topic could not be
# made and nothing said so).
TOPIC_RECHECK = timedelta(seconds=0.2)
TOPIC_RECHECK_MAX = timedelta(seconds=3)  # Telegram's group spacing
TOPIC_WAIT = timedelta(minutes=10)
# How much later than a group's red-flag posts its other waiting posts come due (s).
NOT_URGENT_LAG = 0.001


def urgent(message: ClaimedMessage) -> bool:
    """A post about an urgent case, a red flag or a worrying check-in answer (its topic,
    card, joined posts, re-alerts)."""
    return message.case_kind in EscalationKind.URGENT


def group_order(batch: Sequence[ClaimedMessage]) -> list[ClaimedMessage]:
    """The batch in claim order, except that the posts to group chats (the staff chat),
    in the places they hold, go red-flag cases' first, each set in id order.

    A group takes one post every few seconds, so a queue forms in a storm: a red flag's
    card (its topic, its re-alerts) must not wait behind a hundred questions. Id order
    within each set, rather than claim order, also keeps a case's posts in the order they
    were written: a post deferred while the group was busy comes due after a newer one
    that was never deferred, and must still go first."""
    places = [i for i, m in enumerate(batch) if m.chat_id < 0]
    ordered = list(batch)
    posts = sorted((batch[i] for i in places), key=lambda m: (not urgent(m), m.id))
    for place, message in zip(places, posts, strict=True):
        ordered[place] = message
    return ordered


def waiting_for_topic(message: ClaimedMessage, now: datetime) -> bool:
    """A post for a topic still being made, not yet waiting TOPIC_WAIT."""
    return (message.thread_id == TOPIC_PENDING and message.about_patient_id is not None
            and now - message.due_at < TOPIC_WAIT)


class TopicTracker:
    """The patients' topics this dispatcher is making or made, so that their posts go
    straight after (the database learns the topic only when the outcome is flushed)."""

    def __init__(self) -> None:
        self._made: dict[int, int] = {}  # patient -> forum topic this process made
        self._opening: dict[int, asyncio.Task[None]] = {}  # patient -> its TOPIC_OPEN send
        self._in_batch: set[int] = set()  # patients whose TOPIC_OPEN is in the batch

    def begin_pass(self) -> None:
        if len(self._made) > 10_000:
            self._made.clear()  # the database has them all; this only bridges a flush

    def begin_batch(self, batch: Sequence[ClaimedMessage]) -> None:
        self._in_batch = {m.about_patient_id for m in batch
                          if m.kind == MessageKind.TOPIC_OPEN and m.about_patient_id}

    def waits(self, message: ClaimedMessage, now: datetime) -> bool:
        """Its topic is being made elsewhere (not by a send of ours, in flight or in this
        batch): it must look again later."""
        patient = message.about_patient_id
        return waiting_for_topic(message, now) and (
            patient not in self._made and patient not in self._opening
            and patient not in self._in_batch)

    def sending(self, message: ClaimedMessage, task: asyncio.Task[None]) -> None:
        if message.kind == MessageKind.TOPIC_OPEN and message.about_patient_id:
            self._opening[message.about_patient_id] = task

    def made(self, message: ClaimedMessage, topic: int) -> None:
        if message.kind == MessageKind.TOPIC_OPEN and message.about_patient_id:
            self._made[message.about_patient_id] = topic

    def done(self, message: ClaimedMessage) -> None:
        """`message`, if a topic_open, is decided: its patient's posts stop waiting on it."""
        if message.kind == MessageKind.TOPIC_OPEN and message.about_patient_id:
            self._opening.pop(message.about_patient_id, None)
            self._in_batch.discard(message.about_patient_id)

    async def into_topic(self, message: ClaimedMessage) -> ClaimedMessage:
        """A post waiting for its patient's topic: once made here (its send awaited if in
        flight), the post goes into it."""
        patient = message.about_patient_id
        if message.thread_id != TOPIC_PENDING or patient is None:
            return message
        opening = self._opening.get(patient)
        if opening is not None and opening is not asyncio.current_task():
            await asyncio.wait({opening})
        topic = self._made.get(patient)
        return message if topic is None else replace(message, thread_id=topic)
