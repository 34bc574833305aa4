"""Pure parts of the console: initData verification (Telegram's scheme, by a table), the
settings section, the SVG charts' escaping and the template filters."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from pydantic import ValidationError

from console.charts import hbars, stacked_bars
from console.security import csrf_for_session, same
from console.templating import age, plain
from services.console_config import ConsoleSettings
from services.console_webapp import InitDataError, sign_init_data, verify_init_data

TOKEN = "123456:ABC-test-token"
NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
AGE = timedelta(hours=1)
USER = json.dumps({"id": 42, "first_name": "Asha", "language_code": "en"})


def fields(**extra: str) -> dict[str, str]:
    return {"auth_date": str(int(NOW.timestamp()) - 30), "query_id": "AAHdF6IQ", "user": USER,
            **extra}


def test_signature_follows_telegrams_recipe() -> None:
    """The hash is HMAC-SHA256(data_check_string, HMAC-SHA256("WebAppData", token)), computed
    here independently of the module."""
    data = fields()
    check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    signed = sign_init_data(data, TOKEN)
    assert f"hash={expected}" in signed
    assert verify_init_data(signed, TOKEN, now=NOW, max_age=AGE).user_id == 42


def test_extra_fields_such_as_signature_are_signed_too() -> None:
    """Every field but `hash` is in the check string (newer clients add `signature`)."""
    signed = sign_init_data(fields(signature="abc", chat_type="private"), TOKEN)
    assert verify_init_data(signed, TOKEN, now=NOW, max_age=AGE).user_id == 42


def _resigned(data: dict[str, str], hash_: str) -> str:
    return urlencode({**data, "hash": hash_})


@pytest.mark.parametrize(("init_data", "reason"), [
    ("", "malformed"),
    ("x" * 5000, "malformed"),
    ("auth_date=1&auth_date=2&hash=00", "malformed"),
    (urlencode(fields()), "no_hash"),
    (sign_init_data(fields(), "999:other-bot"), "bad_hash"),
    (sign_init_data(fields(), TOKEN).replace("Asha", "Eve"), "bad_hash"),
    (_resigned(fields(), "0" * 64), "bad_hash"),
    (sign_init_data({**fields(), "auth_date": "soon"}, TOKEN), "no_date"),
    (sign_init_data({**fields(), "auth_date": str(int(NOW.timestamp()) - 3601)}, TOKEN),
     "stale"),
    (sign_init_data({**fields(), "auth_date": str(int(NOW.timestamp()) + 3600)}, TOKEN),
     "future"),
    (sign_init_data({**fields(), "user": "{}"}, TOKEN), "no_user"),
    (sign_init_data({**fields(), "user": '{"id": -5}'}, TOKEN), "no_user"),
    (sign_init_data({**fields(), "user": '{"id": true}'}, TOKEN), "no_user"),
])
def test_verification_refuses(init_data: str, reason: str) -> None:
    """Each way initData can be wrong has its own reason, and none signs anyone in."""
    with pytest.raises(InitDataError) as caught:
        verify_init_data(init_data, TOKEN, now=NOW, max_age=AGE)
    assert caught.value.reason == reason


def test_settings_section() -> None:
    """console.url must be a full http(s) URL; https makes cookies Secure; off when unset."""
    assert not ConsoleSettings().enabled
    on = ConsoleSettings(url="https://clinic.example/console/")
    assert on.enabled and on.secure and on.url == "https://clinic.example/console"
    assert on.link("/signin?t=x") == "https://clinic.example/console/signin?t=x"
    assert not ConsoleSettings(url="http://127.0.0.1:8080/console").secure
    for bad in ("clinic.example", "ftp://x/console", "https://x/console?a=1"):
        with pytest.raises(ValidationError):
            ConsoleSettings(url=bad)
    with pytest.raises(ValidationError):
        ConsoleSettings(session_hours=0)


def test_csrf_tokens() -> None:
    """A session's CSRF token is stable for it, differs between sessions, and empty never
    matches."""
    assert csrf_for_session("a") == csrf_for_session("a") != csrf_for_session("b")
    assert same("x", "x") and not same("", "") and not same(None, "x")


def test_charts_escape_every_text() -> None:
    """Labels that look like markup arrive as text in the SVG."""
    evil = "<script>alert(1)</script>"
    for svg in (hbars([(evil, 3)], evil),
                stacked_bars([(evil, {"sent": 2})], ["sent", evil], evil)):
        assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_filters() -> None:
    """Ages read like a person would say them; stored HTML becomes plain, cut with …."""
    assert age(timedelta(minutes=4)) == "4 min"
    assert age(timedelta(hours=2, minutes=5)) == "2 h 5 min"
    assert age(timedelta(days=3, hours=4)) == "3 d 4 h"
    assert plain("<b>Tom &amp; Jerry</b>") == "Tom & Jerry"
    assert plain("abcdefghij", 5) == "abcd…"
