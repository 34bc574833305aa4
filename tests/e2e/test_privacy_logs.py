"""Acceptance 3: the log of a full run holds neither the token, nor patient texts, nor labels."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from bot import staff_patients
from tests.e2e.harness import ALERT_CHAT_ID, BOT_USERNAME, TOKEN, BotEnv

LABEL = "Quokka Zanzibar-Label 7731 <b>x</b> & co"
PATIENT_TEXTS = [
    "When can I wear makeup again, asks Xylophone-Nine?",
    "I have fever and pus since yesterday, Marmalade-Orbit",
    "Can my tortoise Pemberton-Vex come to the next session?",
    "मेरी त्वचा पर अजीब सी चमक है गुलमोहर-सात",
]
STAFF_REPLY = "Tortoises welcome, ask for Dr Wobblebottom-Quince"
LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")


async def full_run(env: BotEnv) -> None:
    """Staff enroll; the patient joins, gets reminders, asks, flags, is answered; staff look."""
    staff = env.staff
    command = f"/enroll micro-mesotherapy-face 2026-03-02 09:00 {LABEL}"
    [text, _photo] = await env.ask(staff, command, count=2)
    match = LINK.search(text.visible)
    assert match
    code = match.group(1)
    patient = env.patient(6001)
    await env.ask(patient, f"/start {code}")
    await patient.press("Yes")
    await patient.expect("/timezone")
    await env.deliver()
    await env.settle()
    for message in PATIENT_TEXTS:
        await env.ask(patient, message)
    await env.settle()
    # Answer an alert quoting the patient (red flag or hand-off): the relay runs too.
    alerts = [m for m in env.sent_to(ALERT_CHAT_ID) if "Marmalade-Orbit" in m.visible]
    assert alerts, [m.visible for m in env.sent_to(ALERT_CHAT_ID)]
    before = len(env.sent_to(patient.id))
    await staff.reply_to(alerts[-1], STAFF_REPLY)
    await env.wait_sent(patient.id, before)
    await env.deliver(timedelta(days=1))
    await env.ask(patient, "/plan")
    await env.ask(staff, "/patients")
    patient_id = int(re.search(r"#(\d+)", text.visible).group(1))  # type: ignore[union-attr]
    await env.ask(staff, f"/patient {patient_id}")
    await env.ask(staff, "/stats")
    await env.ask(env.user(4444), "/patients")  # a refusal
    await env.ask(env.user(4445), "/start notarealcode12345678901")
    await env.ask(patient, "/stop")


async def test_full_run_logs_hold_no_token_patient_text_or_label(bot_env: BotEnv) -> None:
    """Every record of a whole e2e run (INFO and up, as in production) is free of the token,
    the patient's words, the staff reply and the label."""
    await full_run(bot_env)
    logging.getLogger("aftercare.test").info("end of run marker")
    log_text = bot_env.logs.text()
    assert "end of run marker" in log_text  # the capture really captured
    assert len(bot_env.logs.records) > 1
    forbidden = [TOKEN, TOKEN.split(":")[1], LABEL, "Quokka", STAFF_REPLY, "Wobblebottom"]
    for text in PATIENT_TEXTS:
        forbidden.append(text)
        forbidden.extend(word for word in text.split() if "-" in word)
    for secret in forbidden:
        assert secret not in log_text, f"{secret!r} leaked into the log"


async def test_handler_error_is_logged_without_content_and_user_gets_apology(
    bot_env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception inside a handler: the user gets a polite reply; the log names the type
    and update id, but not the exception's message (which may quote personal data)."""

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"label was {LABEL}")

    monkeypatch.setattr(staff_patients, "list_patients", broken)
    [reply] = await bot_env.ask(bot_env.staff, "/patients")
    assert "something went wrong" in reply.visible
    log_text = bot_env.logs.text()
    assert "RuntimeError" in log_text and "error while handling update" in log_text
    assert "Quokka" not in log_text
