"""Throttle: one event per key per interval, what was held back counted, memory bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.throttle import Throttle

T0 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


def test_one_per_key_per_interval_and_the_count_held_back() -> None:
    """The first goes, the next within the interval do not; the one after it says how many
    were held back; other keys are independent."""
    throttle = Throttle(timedelta(minutes=1))
    assert throttle.allow("a", T0).ok
    assert [throttle.allow("a", T0 + timedelta(seconds=s)).ok for s in (1, 30, 59)] == [
        False, False, False]
    assert throttle.allow("b", T0).ok
    later = throttle.allow("a", T0 + timedelta(seconds=60))
    assert later.ok and later.held_back == 3


def test_memory_is_bounded() -> None:
    """Past its capacity the oldest keys are forgotten (their next event simply goes)."""
    throttle = Throttle(timedelta(minutes=1), capacity=2)
    for key in ("a", "b", "c"):
        assert throttle.allow(key, T0).ok
    assert throttle.allow("a", T0).ok  # forgotten
    assert not throttle.allow("c", T0).ok


def test_needs_a_positive_interval_and_an_aware_now() -> None:
    """A zero interval or a naive time is a mistake."""
    with pytest.raises(ValueError):
        Throttle(timedelta(0))
    with pytest.raises(ValueError):
        Throttle(timedelta(minutes=1)).allow("a", datetime(2026, 1, 1))
