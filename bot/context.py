"""The one accessor handlers use to reach the AppContext from a PTB callback context."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext

from services.context import AppContext

CONTEXT_KEY = "ctx"


def app_context(context: CallbackContext[Any, Any, Any, Any]) -> AppContext:
    """The AppContext stored by the application's post_init."""
    ctx = context.application.bot_data[CONTEXT_KEY]
    assert isinstance(ctx, AppContext)
    return ctx
