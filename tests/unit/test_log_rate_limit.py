"""Identical warnings in a flood: the first few pass, the rest are counted, never written."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from app.settings import Settings
from ops.logging_setup import (
    NOISY_LOGGERS,
    PAYLOAD_LOGGERS,
    REDACTED,
    RepeatLimiter,
    configure_logging,
)

TOKEN = "123456:AAExampleSecretTokenValue_xyz"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def restore_root() -> Iterator[None]:
    """Put the root logger back as pytest had it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in NOISY_LOGGERS + PAYLOAD_LOGGERS}
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def _limited(burst: int = 3, interval: float = 60.0) -> tuple[logging.Logger, list[str], Clock]:
    """A private logger whose one handler has a RepeatLimiter on a fake clock."""
    lines: list[str] = []
    clock = Clock()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect()
    handler.addFilter(RepeatLimiter(handler.handle, burst=burst, interval=interval, clock=clock))
    log = logging.getLogger(f"test.rate.{id(lines)}")
    log.propagate = False
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG)
    return log, lines, clock


def test_a_flood_of_one_error_is_cut_to_a_burst_a_notice_and_a_count() -> None:
    """10,000 identical errors in one window: 3 pass, one notice, then one count line."""
    log, lines, clock = _limited(burst=3, interval=60)
    for _ in range(10_000):
        log.error("accept failed: [Errno 24] Too many open files")
    assert lines[:3] == ["accept failed: [Errno 24] Too many open files"] * 3
    assert len(lines) == 4 and "event=log_repeats_suppressing" in lines[3]
    clock.now += 61
    log.error("accept failed: [Errno 24] Too many open files")
    assert "event=log_repeats_suppressed" in lines[4] and "count=9997" in lines[4]
    assert lines[5] == "accept failed: [Errno 24] Too many open files"  # a new window


def test_different_messages_and_info_lines_are_not_limited() -> None:
    """Distinct messages each get their own burst; INFO events are never dropped."""
    log, lines, _clock = _limited(burst=2)
    for number in range(50):
        log.warning("event=send_failed update_id=%d", number)
        log.info("event=tick")
    assert len(lines) == 100


def test_a_window_that_ended_is_counted_by_any_later_record() -> None:
    """When the flood stops, the next record of any kind closes the old window's count."""
    log, lines, clock = _limited(burst=1, interval=10)
    for _ in range(5):
        log.error("database is locked")
    clock.now += 11
    log.info("event=something_else")
    assert [line for line in lines if "count=4" in line]
    assert lines[-1] == "event=something_else"


def test_same_text_with_other_exception_types_are_different_kinds() -> None:
    """The exception type is part of what makes two records identical."""
    log, lines, _clock = _limited(burst=1)
    for error in (OSError("x"), ValueError("x"), OSError("x")):
        try:
            raise error
        except Exception:
            log.exception("failed")
    assert lines[:2] == ["failed", "failed"]
    assert "event=log_repeats_suppressing" in lines[2]


def test_configured_logging_limits_floods_and_counts_them_at_shutdown(
    restore_root: None,
) -> None:
    """The production handler limits a flood of one asyncio error (as "Too many open
    files" from the accept loop was: 143,622 lines), redacts the summaries, and writes the
    pending count when logging shuts down."""
    stream = io.StringIO()
    handler = configure_logging(Settings(bot_token=TOKEN), stream=stream)  # type: ignore[arg-type]
    log = logging.getLogger("asyncio")
    for _ in range(20_000):
        log.error("Exception in callback accept(%s): [Errno 24] Too many open files", TOKEN)
    handler.close()
    output = stream.getvalue().splitlines()
    assert len(output) <= 15, len(output)
    assert TOKEN not in stream.getvalue() and REDACTED in output[0]
    assert any("event=log_repeats_suppressed" in line and "count=19990" in line
               for line in output)


def test_tornado_client_noise_is_quiet(restore_root: None) -> None:
    """tornado.general's per-request INFO lines (malformed request, slow body, with the
    client's address) stay out of the production log; tornado's warnings stay in."""
    stream = io.StringIO()
    configure_logging(Settings(bot_token=TOKEN), stream=stream)  # type: ignore[arg-type]
    logging.getLogger("tornado.general").info("Malformed HTTP message from 203.0.113.9")
    logging.getLogger("tornado.application").error("Uncaught exception")
    assert "203.0.113.9" not in stream.getvalue()
    assert "Uncaught exception" in stream.getvalue()
