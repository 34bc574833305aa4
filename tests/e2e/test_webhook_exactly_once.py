"""Exactly once means once: an update replayed after a crash (its effect done, the
"processed" mark not yet written) neither creates a second patient nor relays twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.ops_hooks import metrics_of
from bot.webhook import UpdateInbox
from storage.models import InboundUpdate
from tests.e2e.harness import ALERT_CHAT_ID
from tests.e2e.webhook_harness import WebhookBotEnv, running_webhook_bot


@pytest.fixture
async def hook_env(tmp_path: Path) -> AsyncIterator[WebhookBotEnv]:
    async with running_webhook_bot(f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}") as env:
        yield env


async def _crash_before_mark(env: WebhookBotEnv, stored: dict[str, Any]) -> None:
    """What a kill -9 between the handler's effect and the processed mark leaves: the row,
    unprocessed, with its payload; then the start-up replay runs. (The handler is let
    finish first: its own mark, written late, would undo the crash.)"""
    for _ in range(250):
        async with env.ctx.sessions() as session:
            done = await session.scalar(
                select(InboundUpdate.processed_at)
                .where(InboundUpdate.update_id == stored["update_id"]))
        if done is not None:
            break
        await env.settle(0.02)
    async with env.ctx.sessions() as session, session.begin():
        await session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id == stored["update_id"])
            .values(processed_at=None, payload=stored)
        )
    inbox = UpdateInbox(env.app, env.ctx, metrics_of(env.app))
    assert await inbox.replay() == 1


async def test_a_replayed_enroll_creates_one_patient(hook_env: WebhookBotEnv) -> None:
    """The replay answers that the message was handled (with /invite for a new link)."""
    staff = hook_env.staff
    before = len(hook_env.sent_to(staff.id))
    sent = await staff.send("/enroll micro-mesotherapy-face Asha")
    await hook_env.wait_sent(staff.id, before, count=2)
    await _crash_before_mark(hook_env, sent)
    [answer] = await hook_env.wait_sent(staff.id, before + 2)
    assert "already handled before a restart" in answer.visible
    assert "/invite 1" in answer.visible
    async with hook_env.db() as db:
        assert len(await db.patients.list()) == 1


async def test_a_replayed_staff_reply_reaches_the_patient_once(hook_env: WebhookBotEnv) -> None:
    """A staff reply relayed, then replayed: the patient has it once; staff are told."""
    invite = await hook_env.invite()
    patient = hook_env.patient(5001)
    await hook_env.activate(invite, patient)
    alert = await hook_env.post_alert(invite.patient_id)
    before_patient = len(hook_env.sent_to(patient.id))
    before_group = len(hook_env.sent_to(ALERT_CHAT_ID))
    sent = await hook_env.staff.reply_to(alert, "Please come in on Saturday at 11")
    await hook_env.wait_sent(patient.id, before_patient)
    await hook_env.wait_sent(ALERT_CHAT_ID, before_group)  # "Sent to patient #1."
    await _crash_before_mark(hook_env, sent)
    notes = await hook_env.wait_sent(ALERT_CHAT_ID, before_group + 1)
    assert "is not sent twice" in notes[-1].visible
    await hook_env.settle()
    relayed = [m for m in hook_env.sent_to(patient.id)[before_patient:]
               if "Saturday" in m.visible]
    assert len(relayed) == 1
