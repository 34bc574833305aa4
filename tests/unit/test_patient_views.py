"""The bot only renders: every kind of result a patient's input can have has its view."""

from __future__ import annotations

from typing import get_args

from bot.patient_buttons import CHECKIN_VIEWS, CheckinView
from bot.patient_views import VIEWS
from services.inbox import ReplyKind


def test_every_reply_kind_has_a_view() -> None:
    """The table from InboxReply.kind to its renderer has exactly one entry per ReplyKind."""
    assert set(VIEWS) == set(get_args(ReplyKind))


def test_every_checkin_view_has_a_renderer() -> None:
    """The table of check-in answer views has exactly one entry per CheckinView."""
    assert set(CHECKIN_VIEWS) == set(get_args(CheckinView))
