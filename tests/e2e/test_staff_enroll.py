"""Staff enrollment through Telegram: one-line and guided /enroll, link + QR, bad input."""

from __future__ import annotations

import re

import pytest

from core.invites import hash_code
from tests.e2e.harness import ADMIN_ID, BOT_USERNAME, BotEnv

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")
HOSTILE = "<b>x</b> & co"


def invite_code(text: str) -> str:
    match = LINK.search(text)
    assert match, text
    return match.group(1)


async def assert_invite_reply(env: BotEnv, replies: list) -> str:
    """The reply pair: the link as text (username, >= 22 URL-safe chars) and a QR PNG."""
    text, photo = replies
    code = invite_code(text.visible)
    assert len(code) >= 22
    assert photo.method == "sendPhoto"
    assert photo.photo is not None and photo.photo.startswith(PNG_SIGNATURE)
    assert photo.caption
    return code


async def patient_count(env: BotEnv) -> int:
    async with env.db() as db:
        return len(await db.patients.list(limit=1000))


async def test_one_line_enroll_creates_invite_with_link_and_qr(bot_env: BotEnv) -> None:
    """`/enroll <protocol> <date> <time> <label>` creates an invited patient and replies link+QR."""
    replies = await bot_env.ask(
        bot_env.staff, f"/enroll micro-mesotherapy-face 2026-03-02 14:00 {HOSTILE}", count=2
    )
    code = await assert_invite_reply(bot_env, replies)
    assert HOSTILE in replies[0].visible  # shown as typed
    async with bot_env.db() as db:
        [overview] = await db.patients.list()
        assert overview.patient.label == HOSTILE
        assert overview.patient.status == "invited"
        assert overview.patient.timezone == "Asia/Kolkata"
        [enrollment] = overview.enrollments
        assert enrollment.status == "invited"
        assert enrollment.protocol_id == "micro-mesotherapy-face"
        assert enrollment.session_start.isoformat() == "2026-03-02T08:30:00+00:00"
        peek = await db.invites.peek(hash_code(code), bot_env.clock.now())
        assert peek.status == "ok"
        assert peek.invite is not None and peek.invite.code_hash != code
        audit = await db.audit.list(action="enroll")
        assert [a.outcome for a in audit] == ["ok"] and audit[0].actor_id == ADMIN_ID


async def test_one_line_enroll_defaults_to_now_without_label(bot_env: BotEnv) -> None:
    """`/enroll <protocol>` alone: session now, no label."""
    replies = await bot_env.ask(bot_env.staff, "/enroll micro-mesotherapy-hair", count=2)
    await assert_invite_reply(bot_env, replies)
    async with bot_env.db() as db:
        [overview] = await db.patients.list()
        assert overview.patient.label is None
        assert overview.enrollments[0].session_start == bot_env.clock.now()


async def test_guided_enroll_with_buttons(bot_env: BotEnv) -> None:
    """/enroll -> procedure button -> "Now" -> typed label -> link and QR."""
    [question] = await bot_env.ask(bot_env.staff, "/enroll")
    names = [b.text for b in question.buttons]
    assert len(names) == 2
    face = next(n for n in names if "face" in n.lower())
    [when] = await bot_env.press(bot_env.staff, face)
    assert when.buttons[0].text == "Now"
    [ask_label] = await bot_env.press(bot_env.staff, "Now")
    assert "label" in ask_label.visible
    replies = await bot_env.ask(bot_env.staff, HOSTILE, count=2)
    await assert_invite_reply(bot_env, replies)
    assert HOSTILE in replies[0].visible
    async with bot_env.db() as db:
        [overview] = await db.patients.list()
        assert overview.patient.label == HOSTILE
        assert overview.enrollments[0].session_start == bot_env.clock.now()


async def test_guided_enroll_with_typed_time_and_skip(bot_env: BotEnv) -> None:
    """A typed clinic-local time is used; "skip" leaves the label empty; a bad time re-asks."""
    await bot_env.ask(bot_env.staff, "/enroll")
    await bot_env.press(bot_env.staff, "Micro mesotherapy (hair)")
    [problem] = await bot_env.ask(bot_env.staff, "tomorrow-ish")
    assert "YYYY-MM-DD HH:MM" in problem.visible
    [ask_label] = await bot_env.ask(bot_env.staff, "2026-03-03 10:00")
    assert "2026-03-03 10:00" in ask_label.visible
    await bot_env.ask(bot_env.staff, "skip", count=2)
    async with bot_env.db() as db:
        [overview] = await db.patients.list()
        assert overview.patient.label is None
        assert overview.enrollments[0].protocol_id == "micro-mesotherapy-hair"
        assert overview.enrollments[0].session_start.isoformat() == "2026-03-03T04:30:00+00:00"


async def test_guided_enroll_cancel_creates_nothing(bot_env: BotEnv) -> None:
    """Typing "cancel" (or /cancel_enroll) mid-way aborts and stores nothing."""
    await bot_env.ask(bot_env.staff, "/enroll")
    await bot_env.press(bot_env.staff, "Micro mesotherapy (face)")
    [done] = await bot_env.ask(bot_env.staff, "cancel")
    assert "cancelled" in done.visible
    await bot_env.ask(bot_env.staff, "/enroll")
    [done] = await bot_env.ask(bot_env.staff, "/cancel_enroll")
    assert "cancelled" in done.visible
    assert await patient_count(bot_env) == 0


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/enroll no-such-protocol", "micro-mesotherapy-face"),
        ("/enroll <script>alert(1)</script>", "Procedures:"),
        ("/enroll micro-mesotherapy-face 2026-13-40 10:00", "YYYY-MM-DD HH:MM"),
        ("/enroll micro-mesotherapy-face 2026-03-02", "YYYY-MM-DD HH:MM"),
        ("/enroll micro-mesotherapy-face 2026-03-02 25:61 x", "YYYY-MM-DD HH:MM"),
        ("/enroll micro-mesotherapy-face 2031-01-01 10:00", "more than a year"),
        ("/enroll micro-mesotherapy-face 2024-01-01 10:00", "more than a year"),
        ("/enroll micro-mesotherapy-face 2026-03-02 10:00 " + "y" * 201, "too long"),
    ],
)
async def test_malformed_enroll_gets_usage_and_creates_nothing(
    bot_env: BotEnv, command: str, expected: str
) -> None:
    """Unknown protocol, bad or far dates, over-long labels: a clear reply, nothing stored."""
    [reply] = await bot_env.ask(bot_env.staff, command)
    assert expected in reply.visible
    assert await patient_count(bot_env) == 0
    async with bot_env.db() as db:
        assert [a.outcome for a in await db.audit.list(action="enroll")] == ["invalid"]
