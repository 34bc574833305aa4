"""The escalation ladder as a pure policy: when an urgent case nobody acknowledged is
announced again, who is paged, and how often after that.

Round 1, `ack` after the case became urgent: a re-announcement in the staff chat and a
private page to each on-call member. The patient is told what to do at `followup` (that
message is queued beside round 1: services/cases.py). Then on-call is paged again every
`repeat`, from `repeat` after the patient's message, the admins too from the second
repeat on, for as long as nobody acknowledges the case. The rounds are outbox rows: the
first is queued with the case, and each next one when the outcome of the one before is
recorded (storage/outbox_cases.py), so there is always exactly one round waiting.
Nothing here reads a clock: the times come in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import require_aware
from core.texts.alerts import compose_page, compose_realert

LADDER_PREFIX = "ladder:"


def ladder_step(run: int) -> str:
    """The outbox step_id of the timers of the case's `run`-th ladder ("ladder:2")."""
    return f"{LADDER_PREFIX}{run}"


def ladder_run_of(step_id: str) -> int | None:
    """The ladder run a timer's step_id names; None for any other step."""
    tail = step_id.removeprefix(LADDER_PREFIX)
    if tail == step_id or not tail.isdigit():
        return None
    return int(tail)


@dataclass(frozen=True, kw_only=True)
class LadderPost:
    """One message of a round: to the staff chat (a re-announcement) or a private page."""

    chat_id: int
    text: str


@dataclass(frozen=True, kw_only=True)
class LadderRound:
    """The posts due together: round 1 at `ack`, then one per repeat (round 2 is the
    first repeat)."""

    number: int
    due_at: datetime
    posts: tuple[LadderPost, ...]


def _minutes(span: timedelta) -> float:
    return round(span.total_seconds() / 60, 1)


@dataclass(frozen=True, kw_only=True)
class Ladder:
    """Who is paged when; `staff_chat` is where alerts go (None: nowhere)."""

    ack: timedelta
    followup: timedelta
    repeat: timedelta
    on_call: tuple[int, ...]
    admins: tuple[int, ...]
    staff_chat: int | None

    def first_round(
        self, *, case_id: int, patient_id: int | None, kind: str, start: datetime
    ) -> LadderRound:
        """Round 1 for a case that became urgent at `start`: the re-announcement (a card
        with the case's buttons was posted with it) and the first page to on-call."""
        require_aware(start, "start")
        minutes = _minutes(self.ack)
        posts = []
        if self.staff_chat is not None:
            posts.append(LadderPost(chat_id=self.staff_chat, text=compose_realert(
                case_id=case_id, patient_id=patient_id, minutes=minutes, kind=kind)))
        page = compose_page(case_id=case_id, patient_id=patient_id, minutes=minutes, kind=kind)
        posts += [
            LadderPost(chat_id=user_id, text=page) for user_id in dict.fromkeys(self.on_call)
            if user_id != self.staff_chat  # that admin's private chat has the re-alert
        ]
        return LadderRound(number=1, due_at=start + self.ack, posts=tuple(posts))

    def next_round(
        self, *, case_id: int, patient_id: int | None, kind: str, start: datetime,
        after: int, due_at: datetime, at: datetime,
    ) -> LadderRound | None:
        """The round after round `after` (due at `due_at`, its outcome recorded at `at`) of
        a ladder that started at `start`; None when there is nobody to tell.

        Repeats keep their cadence from the nominal times; after a delay longer than a
        repeat (an outage) the next one comes a whole `repeat` after `at`, never at once.
        """
        for name, value in (("start", start), ("due_at", due_at), ("at", at)):
            require_aware(value, name)
        if after == 1:
            nominal = due_at - self.ack + max(self.ack, self.followup) + self.repeat
        else:
            nominal = due_at + self.repeat
        due = nominal if nominal > at else at + self.repeat
        number = after + 1
        repeat = number - 1
        minutes = _minutes(due - start)
        paged = self.on_call + (self.admins if repeat >= 2 else ())
        page = compose_page(case_id=case_id, patient_id=patient_id, minutes=minutes,
                            kind=kind, page=number)
        posts = tuple(LadderPost(chat_id=user_id, text=page) for user_id in dict.fromkeys(paged))
        if not posts and self.staff_chat is not None:
            # Nobody to page (no admins, no on-call): the staff chat is told again instead.
            posts = (LadderPost(chat_id=self.staff_chat, text=compose_realert(
                case_id=case_id, patient_id=patient_id, minutes=minutes, kind=kind,
                card=False)),)
        if not posts:
            return None
        return LadderRound(number=number, due_at=due, posts=posts)
