"""The front desk's smaller things (issue 21), each through the running bot: /patient says
which zone its times are in; /case away from the card never says "Write in this topic";
Hindi /plan has weekdays and the Hindi closed-hours text Hindi day names; the consent
question promises check-ins only for a protocol that asks them and offers only languages
the protocol is written in."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.e2e.harness import ADMIN_ID, ALERT_CHAT_ID, REPO, BotEnv
from tests.e2e.test_patient_inbox import joined
from tests.e2e.test_staff_cases import RED_FLAG
from tests.e2e.test_staff_topics import forum_env, topic_of

__all__ = ["forum_env"]  # the fixture, used by name below

MakeEnv = Callable[..., AbstractAsyncContextManager[BotEnv]]


async def test_patient_says_which_zone_its_times_are_in(bot_env: BotEnv) -> None:
    """A patient in Berlin: /patient says its times are in Europe/Berlin."""
    env = bot_env
    user = await joined(env)
    await env.ask(user, "/timezone Europe/Berlin")
    [detail] = await env.ask(env.staff, f"/patient {user.invite.patient_id}")
    assert "All times below are in the patient's zone, Europe/Berlin." in detail.visible


async def test_case_in_a_private_chat_says_where_to_answer(forum_env: BotEnv) -> None:
    """The card in the patient's topic says "Write in this topic"; the same case shown by
    /case in the admin's private chat says to answer from the card or topic instead."""
    env = forum_env
    user = await joined(env)
    before = len(env.sent_to(ALERT_CHAT_ID))
    await env.ask(user, RED_FLAG)
    [card] = await env.wait_sent(ALERT_CHAT_ID, before)
    await topic_of(env, user.invite.patient_id)
    assert "Write in this topic" in card.visible
    async with env.db() as db:
        [case] = await db.escalations.list_open()
    [shown] = await env.ask(env.staff, f"/case {case.id}")
    assert shown.chat_id == ADMIN_ID
    assert "Write in this topic" not in shown.visible
    assert "reply to the case's card in the staff group" in shown.visible


async def test_hindi_plan_has_weekdays(bot_env: BotEnv) -> None:
    """A Hindi patient's /plan dates carry the weekday in Hindi (Tuesday 03-03-2026:
    मंगल)."""
    env = bot_env
    user = await joined(env, 6101, language_code="hi")
    [plan] = await env.ask(user, "/plan")
    assert "मंगल 03-03-2026" in plan.visible


async def test_hindi_closed_hours_have_hindi_day_names(make_bot_env: MakeEnv) -> None:
    """At night a Hindi patient's urgent reply says the clinic is closed with its hours as
    "सोमवार–शनिवार 09:00–19:00", not the English "Mon-Sat"."""
    extra = {"clinic": {"hours": "Mon-Sat 09:00-19:00"}}
    night = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)  # 23:00 in Kolkata
    async with make_bot_env(settings_extra=extra, start=night) as env:
        user = await joined(env, 6102, language_code="hi")
        replies = await env.ask(user, "मुझे तेज़ बुखार है और मवाद निकल रहा है", count=2)
        closed = replies[-1].visible
        assert "सोमवार–शनिवार 09:00–19:00" in closed and "Mon-Sat" not in closed


def _english_only_without_checkins(target: Path) -> Path:
    """The shipped content plus a protocol in English only, with no check-ins."""
    folder = Path(shutil.copytree(REPO / "content", target))
    (folder / "protocols" / "peel.toml").write_text(
        'id = "peel"\nname.en = "Light peel"\n\n[[steps]]\nid = "care"\nat = "+0m"\n'
        'text.en = "Keep the skin out of the sun today. {contact}"\n', encoding="utf-8")
    return folder


async def test_consent_promises_only_what_the_protocol_has(
    make_bot_env: MakeEnv, tmp_path: Path
) -> None:
    """An English-only protocol without check-ins: its consent question promises neither
    check-ins nor follow-up sessions and offers no Hindi button; the shipped face protocol
    (written in Hindi too, with check-ins) offers both."""
    extra: dict[str, Any] = {"content": {"dir": str(_english_only_without_checkins(
        tmp_path / "content"))}}
    async with make_bot_env(settings_extra=extra) as env:
        peel = await env.invite("peel")
        user = env.patient(6201)
        [offer] = await env.ask(user, f"/start {peel.code}")
        assert "check-in" not in offer.visible and "follow-up" not in offer.visible
        assert [b.text for b in offer.buttons] == ["Yes, I agree", "No, thanks"]
        face = await env.invite()
        other = env.patient(6202)
        [offer] = await env.ask(other, f"/start {face.code}")
        assert "a few short check-in questions" in offer.visible
        assert "हिन्दी" in [b.text for b in offer.buttons]
