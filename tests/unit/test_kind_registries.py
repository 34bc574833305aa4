"""The tables keyed by kind are complete and agree with the enums' groups: a new case kind or
message kind without its row fails here (and at import), never falls back silently."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from core.case_kinds import CASE_KINDS, Tone, case_kind
from core.statuses import MESSAGE_KINDS, EscalationKind, MessageKind
from core.texts.alerts import AlertFacts, compose_alert, compose_page, compose_realert
from core.texts.staff import case_label

CSS = Path(__file__).resolve().parents[2] / "console" / "static" / "console.css"


def test_every_case_kind_has_a_row_and_its_own_place() -> None:
    assert set(CASE_KINDS) == set(EscalationKind)
    rows = list(CASE_KINDS.values())
    for column in ("heading", "label", "badge", "urgency"):
        values = [getattr(row, column) for row in rows]
        assert len(set(values)) == len(values), f"two case kinds share a {column}"
    assert min(row.urgency for row in rows) == CASE_KINDS[EscalationKind.RED_FLAG].urgency


def test_the_ladder_names_exactly_the_urgent_kinds() -> None:
    named = {kind for kind, row in CASE_KINDS.items() if row.ladder_name}
    assert named == set(EscalationKind.URGENT)
    for kind in EscalationKind.URGENT:  # and Today lists them first
        assert all(case_kind(kind).urgency < row.urgency
                   for other, row in CASE_KINDS.items() if other not in EscalationKind.URGENT)


def test_every_case_kind_is_drawn_with_its_own_heading_and_label() -> None:
    for kind, row in CASE_KINDS.items():
        facts = AlertFacts(kind=kind, escalation_id=7, patient_id=3, label="A <b>", words="w")
        card = compose_alert(facts)
        assert card.startswith(row.heading + " · #7")
        assert row.words in card
        joined = compose_alert(facts, joined=True)
        assert (row.heading in joined) == (row.changes_case or kind == EscalationKind.MEDIA)
        assert case_label(kind) == row.label
    for kind in EscalationKind.URGENT:
        name = case_kind(kind).ladder_name or ""
        assert name.lower() in compose_page(case_id=1, patient_id=2, kind=kind,
                                            minutes=15).lower()
        assert name.capitalize() in compose_realert(case_id=1, patient_id=2, kind=kind,
                                                    minutes=15)


def test_every_badge_tone_has_its_colour_in_the_console() -> None:
    css = CSS.read_text(encoding="utf-8")
    for tone in get_args(Tone):
        if tone != "muted":  # the plain badge
            assert re.search(rf"\.badge\.tone-{tone}\b", css), tone


def test_every_message_kind_has_a_row_and_the_groups_come_from_it() -> None:
    assert set(MESSAGE_KINDS) == set(MessageKind)
    assert MessageKind.ANSWERED <= MessageKind.TO_PATIENT
    assert MessageKind.CASE_POSTS <= MessageKind.ABOUT_PATIENT
    assert not MessageKind.TO_PATIENT & MessageKind.ABOUT_PATIENT
    assert not MessageKind.ERASURE & (MessageKind.TO_PATIENT | MessageKind.ABOUT_PATIENT)
    for kind, row in MESSAGE_KINDS.items():
        assert (kind in MessageKind.TO_PATIENT) == row.to_patient
        assert (kind in MessageKind.ANSWERED) == row.answered
        assert (kind in MessageKind.ABOUT_PATIENT) == row.about_patient
        assert (kind in MessageKind.ERASURE) == row.erasure
        assert (kind in MessageKind.CASE_POSTS) == row.case_post
