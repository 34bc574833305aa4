"""Languages through the running bot: a pseudo-locale built from English finds every text a
patient reads that does not come from a catalog; a third language sharing Hindi's script
(Marathi) answers its patients in their own language."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import fields, is_dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot import callbacks
from core.texts.catalog import Catalog, LanguageProfile, install, installed
from core.texts.patient import button
from storage.text_catalogs import install_shipped
from testkit.fakes.bot_api_state import SentMessage
from tests.e2e.harness import BotEnv
from tests.e2e.test_patient_inbox import joined
from tests.e2e.test_staff_cases import RED_FLAG
from tests.unit.test_text_catalogs import MARATHI, catalogs_with

MakeEnv = Callable[..., AbstractAsyncContextManager[BotEnv]]
PSEUDO = "xx"

_PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MARKED = "áƀçðéƒĝĥíĵķĺɱñóþǫŕšţúṽŵẋýžÁƁÇÐÉƑĜĤÍĴĶĹṀÑÓÞǪŔŠŢÚṼŴẊÝŽ"
_ACCENTS = str.maketrans(_PLAIN, _MARKED)
# Kept as they are: {placeholders}, HTML tags and entities, /commands.
_KEPT = re.compile(r"(\{[^}]*\}|<[^>]*>|&\w+;|/[a-z]+)")
# Three plain English words in a row: a text that did not come from a catalog.
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,'’]+[A-Za-z]{2,}){2,}")


def pseudo(text: str) -> str:
    """`Your answer: <b>{answer}</b>` -> `[!! Ýóúŕ áñšŵéŕ: <b>{answer}</b> !!]`."""
    parts = _KEPT.split(text)
    marked = "".join(part if index % 2 else part.translate(_ACCENTS)
                     for index, part in enumerate(parts))
    return f"[!! {marked} !!]"


def pseudo_catalog() -> Catalog:
    """Every English text and name transformed; placeholders, tags and plural forms kept."""
    english = installed()["en"]
    names = english.profile
    profile = LanguageProfile(
        code=PSEUDO, name=pseudo(names.name), scripts=names.scripts,
        weekdays=tuple(day.translate(_ACCENTS) for day in names.weekdays),
        weekdays_short=tuple(day.translate(_ACCENTS) for day in names.weekdays_short),
        months=tuple(month.translate(_ACCENTS) for month in names.months),
        dates=names.dates,
    )
    texts = {key: pseudo(text) if isinstance(text, str)
             else {form: pseudo(template) for form, template in text.items()}
             for key, text in english.texts.items()}
    return Catalog(profile=profile, texts=texts, plural=english.plural,
                   plural_categories=english.plural_categories)


@contextmanager
def catalogs(extra: dict[str, Catalog] | None = None, folder: Path | None = None
             ) -> Iterator[None]:
    """The shipped catalogs (or `folder`'s) plus `extra`; the shipped ones again after."""
    install_shipped(folder) if folder is not None else install_shipped()
    if extra:
        install({**installed(), **extra})
    try:
        yield
    finally:
        install_shipped()


def strings_of(value: Any) -> Iterator[str]:
    """Every string inside the content model (the clinic's texts, in every language)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_of(item)
    elif isinstance(value, list | tuple | frozenset | set):
        for item in value:
            yield from strings_of(item)
    elif is_dataclass(value) and not isinstance(value, type):
        for field in fields(value):
            yield from strings_of(getattr(value, field.name))


def last_buttons(env: BotEnv, chat_id: int) -> SentMessage:
    """The newest message in the chat with buttons (as edited so far)."""
    return next(m for m in reversed(env.sent_to(chat_id)) if m.buttons)


def english_outside_catalogs(env: BotEnv, messages: list[SentMessage], said: list[str],
                             toasts: list[str]) -> list[str]:
    """Runs of plain English words in what the patient read (texts and buttons) that are not
    inside a value: the clinic's content and settings, or the patient's own words."""
    clinic = env.settings.clinic
    values = [*strings_of(env.ctx.content), *said, clinic.name,
              *clinic.placeholders("en").values()]
    corpus = "\n".join(values)
    for name, value in clinic.placeholders("en").items():
        corpus = corpus.replace("{" + name + "}", value)
    found = []
    shown = [*toasts]
    for message in messages:
        shown += [message.visible or message.caption or "", *(b.text for b in message.buttons)]
    for text in shown:
        found += [run for run in _ENGLISH_RUN.findall(text) if run not in corpus]
    return found


def test_the_pseudo_transform_keeps_markup_and_hides_english() -> None:
    """Placeholders, tags and commands survive; no plain English run is left to find."""
    text = pseudo("Your answer: <b>{answer}</b>. Send /plan to see what is coming.")
    assert "<b>{answer}</b>" in text and "/plan" in text
    assert _ENGLISH_RUN.findall(text) == []
    assert _ENGLISH_RUN.findall("Thank you, your answer is recorded.") != []


async def test_pseudo_locale_finds_no_text_outside_the_catalogs(make_bot_env: MakeEnv) -> None:
    """A patient in a pseudo-language (every catalog text transformed) joins, reads /help
    and /plan, asks a question and answers a check-in: no plain English reaches them but
    the clinic's own content and values."""
    extra = {"clinic": {"languages": ["en", "hi", PSEUDO]}}
    with catalogs({PSEUDO: pseudo_catalog()}):
        async with make_bot_env(settings_extra=extra) as env:
            user = env.patient(7001, language_code=PSEUDO)
            invite = await env.invite(label="Pseudo patient")
            said = [f"/start {invite.code}", "/help", "/plan", "Can I wash my face today?"]
            await env.ask(user, said[0])
            await env.press(user, button("button_accept", PSEUDO))
            for text in said[1:]:
                await env.ask(user, text)
            for _ in range(16):
                await env.deliver(timedelta(hours=4))
            checkin = next(m for m in reversed(env.sent_to(user.id))
                           if m.buttons and m.buttons[0].callback_data
                           and m.buttons[0].callback_data.startswith(callbacks.CHECKIN))
            await env.press(user, checkin.buttons[0].text, on_message=checkin)
            # The day-2 photo check-in: a photo, then its two questions' buttons.
            await user.send_photo()
            await env.settle()
            for _ in range(2):
                await env.press(user, last_buttons(env, user.id).buttons[-1].text, count=0)
                await env.settle()
            await user.send_sticker()
            await env.settle()
            said.append(RED_FLAG)
            await env.ask(user, RED_FLAG)
            await env.ask(user, "/faq")
            for _ in range(2):  # a topic, then its first question (the message is edited)
                await env.press(user, last_buttons(env, user.id).buttons[0].text, count=0)
                await env.settle()
            for command in ("/timezone", "/timezone Nowhereland", "/timezone Berlin",
                            "/language", "/calendar", "/start nonsense"):
                await env.ask(user, command)
            for command in ("/stop", "/forget"):
                [question] = await env.ask(user, command)
                await env.press(user, question.buttons[-1].text, on_message=question, count=0)
                await env.settle()
            await env.settle()
            messages = env.sent_to(user.id)
            toasts = [answer.text for answer in env.api.callback_answers if answer.text]
            said += ["Nowhereland", "Berlin", "nonsense"]
            found = english_outside_catalogs(env, messages, said, toasts)
            assert found == [], found
            assert any("[!!" in m.visible for m in messages)


async def test_a_marathi_patient_writing_devanagari_is_answered_in_marathi(
    make_bot_env: MakeEnv, tmp_path: Path
) -> None:
    """A clinic with en, hi and mr: a Marathi patient's Devanagari "thank you" gets the
    Marathi reply, with no Hindi answer and no offer to switch to Hindi."""
    extra = {"clinic": {"languages": ["en", "hi", "mr"]}}
    with catalogs(folder=catalogs_with(tmp_path, mr=MARATHI)):
        async with make_bot_env(settings_extra=extra) as env:
            user = await joined(env, 7101)
            async with env.db() as db:
                await db.patients.set_language(user.invite.patient_id, "mr")
            [reply] = await env.ask(user, "धन्यवाद")
            assert reply.visible == "👍 मी इथे आहे: तुमचा प्रश्न कधीही लिहा."
            await env.settle()
            assert env.sent_to(user.id)[-1] == reply  # no Hindi, no offer to switch
