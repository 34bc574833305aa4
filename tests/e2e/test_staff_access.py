"""Staff commands refuse everyone who is not staff, politely and with an audit row each."""

from __future__ import annotations

import random
import secrets

from core.invites import InviteCode, hash_code
from core.records import ClaimStatus
from tests.e2e.harness import BotEnv

STAFF_COMMANDS = [
    ("/enroll", "enroll"),
    ("/enroll micro-mesotherapy-face", "enroll"),
    ("/enroll micro-mesotherapy-face 2026-03-02 10:00 someone", "enroll"),
    ("/patients", "patients"),
    ("/patient 1", "patient"),
    ("/cancel 1", "cancel"),
    ("/reschedule 1 2026-03-05 10:00", "reschedule"),
    ("/stats", "stats"),
    ("/staff add 3000", "staff"),
    ("/staff remove 1000", "staff"),
]


async def test_non_staff_is_refused_every_staff_command_and_audited(bot_env: BotEnv) -> None:
    """A stranger gets a polite refusal for each staff command, one refused audit row each,
    and nothing is created or changed."""
    invite = await bot_env.invite()
    stranger = bot_env.user(4242)
    for command, _ in STAFF_COMMANDS:
        [reply] = await bot_env.ask(stranger, command)
        assert "for clinic staff only" in reply.visible, command
    async with bot_env.db() as db:
        events = list(reversed(await db.audit.list(actor_id=4242)))
        assert [(e.action, e.outcome) for e in events] == [
            (action, "refused") for _, action in STAFF_COMMANDS
        ]
        assert all(e.detail == "not staff" for e in events)
        assert len(await db.patients.list()) == 1  # only the one made above
        assert not await db.staff.is_staff(3000, [])
        enrollment = await db.enrollments.get(invite.enrollment_id)
        assert enrollment is not None and enrollment.status == "invited"


async def test_refused_enroll_opens_no_conversation(bot_env: BotEnv) -> None:
    """After a refused /enroll, the stranger's next text is not taken as an enrollment step."""
    stranger = bot_env.user(4243)
    await bot_env.ask(stranger, "/enroll")
    await stranger.send("2026-03-03 10:00")
    await bot_env.settle()
    async with bot_env.db() as db:
        assert await db.patients.list() == ()


async def test_a_thousand_random_codes_are_refused(bot_env: BotEnv) -> None:
    """1,000 random (well-formed and junk) codes never claim anything; the real one still works."""
    invite = await bot_env.invite()
    rng = random.Random(7)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    codes = [InviteCode.new().code for _ in range(600)]
    codes += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 64))) for _ in range(300)]
    codes += [invite.code[:-1] + ("A" if invite.code[-1] != "A" else "B")] * 1
    codes += [secrets.token_hex(rng.randint(1, 32)) for _ in range(99)]
    assert len(codes) == 1000 and invite.code not in codes
    now = bot_env.clock.now()
    async with bot_env.db() as db:
        for number, code in enumerate(codes):
            claim = await db.invites.claim(hash_code(code), 900_000 + number, now)
            assert claim.status == ClaimStatus.UNKNOWN
        assert (await db.invites.peek(hash_code(invite.code), now)).status == ClaimStatus.OK


async def test_random_codes_through_telegram_are_refused(bot_env: BotEnv) -> None:
    """A handful of random /start codes over Telegram: a clear reply, no consent, no change."""
    invite = await bot_env.invite()
    stranger = bot_env.user(4300)
    for code in [InviteCode.new().code for _ in range(4)] + ["x" * 64, "<b>", "%00"]:
        [reply] = await bot_env.ask(stranger, f"/start {code}")
        assert not reply.buttons, code
        assert reply.visible.strip()
    async with bot_env.db() as db:
        assert await db.patients.by_chat_id(stranger.id) is None
        peek = await db.invites.peek(hash_code(invite.code), bot_env.clock.now())
        assert peek.status == ClaimStatus.OK
