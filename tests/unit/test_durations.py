"""Tests for content durations: parsing `+24h`-style offsets and formatting them back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+24h", timedelta(hours=24)),
        ("24h", timedelta(hours=24)),
        ("-14d", timedelta(days=-14)),
        ("+0m", timedelta(0)),
        ("30s", timedelta(seconds=30)),
        ("2w", timedelta(weeks=2)),
        ("1d12h", timedelta(hours=36)),
    ],
)
def test_parse_duration_accepts_the_content_format(text: str, expected: timedelta) -> None:
    """Every unit s m h d w, with and without a sign, parses to the right timedelta."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["+2x", "", "24", "h", "+-1h", "1.5h", "1 h", "+"])
def test_parse_duration_rejects_bad_text_saying_what_is_expected(text: str) -> None:
    """A malformed duration raises an error naming the accepted units and an example."""
    with pytest.raises(DurationError, match=r"unit \(s, m, h, d or w\).*\+24h"):
        parse_duration(text)


def test_format_duration_examples() -> None:
    """Formatting picks days/hours/minutes and shows a sign only when asked (or negative)."""
    assert format_duration(timedelta(hours=36)) == "1d12h"
    assert format_duration(timedelta(hours=6), signed=True) == "+6h"
    assert format_duration(timedelta(days=-14)) == "-14d"
    assert format_duration(timedelta(0)) == "0m"


@given(st.integers(min_value=-(3 * 365 * 86400), max_value=3 * 365 * 86400))
def test_format_then_parse_round_trips(seconds: int) -> None:
    """parse_duration(format_duration(d)) == d for any whole-second duration up to the
    three-year bound."""
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value, signed=True)) == value


def test_absurd_durations_are_refused_with_the_reason() -> None:
    """+3650000d, 999999999d and +99999999999999d are content errors, not crashes later."""
    for text in ("+3650000d", "999999999d", "+99999999999999d", "200w"):
        with pytest.raises(DurationError, match=r"three years|too long"):
            parse_duration(text)
    assert parse_duration("-1095d") == -timedelta(days=1095)
