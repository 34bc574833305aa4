"""The escalation ladder's policy (core/ladder.py): who is paged in each round and when,
with tables of settings and delivery times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.ladder import Ladder, ladder_run_of, ladder_step

T = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # the case became urgent
M = timedelta(minutes=1)
ON_CALL, OTHER, ADMIN, CHAT = 2000, 2001, 1000, -100500


def ladder(*, ack: int = 10, followup: int = 15, repeat: int = 15,
           on_call: tuple[int, ...] = (ON_CALL, OTHER), admins: tuple[int, ...] = (ADMIN,),
           chat: int | None = CHAT) -> Ladder:
    return Ladder(ack=ack * M, followup=followup * M, repeat=repeat * M, on_call=on_call,
                  admins=admins, staff_chat=chat)


def test_first_round_realerts_in_the_staff_chat_and_pages_on_call() -> None:
    """Round 1 at ack: the re-alert (pointing at the card) then one page per on-call member,
    ids only; an on-call admin whose private chat is the alert chat is not paged twice."""
    first = ladder().first_round(case_id=7, patient_id=3, kind="red_flag", start=T)
    assert (first.number, first.due_at) == (1, T + 10 * M)
    assert [p.chat_id for p in first.posts] == [CHAT, ON_CALL, OTHER]
    realert, page, _ = (p.text for p in first.posts)
    assert "Red flag not acknowledged" in realert and "Press Acknowledge on its card" in realert
    assert "case #7" in page and "Patient #3" in page and "(page" not in page
    alone = ladder(on_call=(ADMIN,), chat=ADMIN).first_round(
        case_id=7, patient_id=3, kind="checkin", start=T)
    assert [p.chat_id for p in alone.posts] == [ADMIN]
    assert "Worrying check-in answer not acknowledged" in alone.posts[0].text


@pytest.mark.parametrize(
    ("settings", "after", "due", "at", "expected_due", "expected_chats"),
    [
        # The first repeat comes a repeat after the patient's message (10 + 5 + 15).
        ({}, 1, 10, 10, 30, (ON_CALL, OTHER)),
        # From the second repeat on, the admins too (once each).
        ({}, 2, 30, 30, 45, (ON_CALL, OTHER, ADMIN)),
        ({"on_call": (ADMIN,)}, 3, 45, 46, 60, (ADMIN,)),
        # Delivered a little late: the cadence holds.
        ({}, 2, 30, 44, 45, (ON_CALL, OTHER, ADMIN)),
        # Delivered after a whole repeat (an outage): the next a repeat later, not at once.
        ({}, 2, 30, 50, 65, (ON_CALL, OTHER, ADMIN)),
        # The patient is told before the first page: repeats count from the page.
        ({"ack": 20, "followup": 5}, 1, 20, 20, 35, (ON_CALL, OTHER)),
        # A short repeat (half-minute ones: test_half_minute_repeats).
        ({"repeat": 1}, 1, 10, 10, 16, (ON_CALL, OTHER)),
    ],
)
def test_next_round(settings: dict[str, object], after: int, due: int, at: int,
                    expected_due: int, expected_chats: tuple[int, ...]) -> None:
    """When the round after `after` is due and whom it pages, minutes after T."""
    following = ladder(**settings).next_round(  # type: ignore[arg-type]
        case_id=7, patient_id=3, kind="red_flag", start=T, after=after, due_at=T + due * M,
        at=T + at * M)
    assert following is not None
    assert following.number == after + 1 and following.due_at == T + expected_due * M
    assert tuple(p.chat_id for p in following.posts) == expected_chats
    assert all(f"(page {after + 1})" in p.text for p in following.posts)
    assert f"waiting {expected_due:g} min" in following.posts[0].text


def test_half_minute_repeats() -> None:
    """A repeat of half a minute keeps its fraction in the due time and the page."""
    half = Ladder(ack=10 * M, followup=15 * M, repeat=M / 2, on_call=(ON_CALL,), admins=(),
                  staff_chat=None)
    following = half.next_round(case_id=1, patient_id=1, kind="red_flag", start=T, after=2,
                                due_at=T + 16 * M, at=T + 16 * M)
    assert following is not None and following.due_at == T + 16.5 * M
    assert "waiting 16.5 min" in following.posts[0].text


def test_nobody_to_page_tells_the_staff_chat_again_or_stops() -> None:
    """No on-call and no admins: each repeat is a re-alert in the staff chat (pointing at
    /case, which carries the buttons); without a staff chat either, there is no round."""
    lonely = ladder(on_call=(), admins=())
    following = lonely.next_round(case_id=7, patient_id=3, kind="red_flag", start=T, after=3,
                                  due_at=T + 45 * M, at=T + 45 * M)
    assert following is not None and [p.chat_id for p in following.posts] == [CHAT]
    assert "Send /case 7" in following.posts[0].text
    assert ladder(on_call=(), admins=(), chat=None).next_round(
        case_id=7, patient_id=3, kind="red_flag", start=T, after=1, due_at=T + 10 * M,
        at=T + 10 * M) is None


def test_steps_name_their_run() -> None:
    """A ladder timer's step names its run; other steps name none."""
    assert ladder_step(3) == "ladder:3" and ladder_run_of("ladder:3") == 3
    assert ladder_run_of("case") is None and ladder_run_of("ladder:x") is None
