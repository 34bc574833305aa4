"""Escaping and fitting texts into Telegram's limits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.formatting import CAPTION_LIMIT, ELLIPSIS, MESSAGE_LIMIT, chunks, escape, fit, fit_caption


def test_escape_makes_markup_literal() -> None:
    """A hostile label shows as typed: tags and ampersands become entities."""
    assert escape("<b>x</b> & co") == "&lt;b&gt;x&lt;/b&gt; &amp; co"
    assert escape(42) == "42"


def test_fit_leaves_short_text_alone() -> None:
    """Text within the limit comes back unchanged."""
    assert fit("hello") == "hello"


def test_fit_cuts_on_a_line_boundary_with_ellipsis() -> None:
    """An over-long text is cut at the last whole line that fits and ends with "…"."""
    text = "\n".join(f"line {n:04d}" for n in range(1000))
    out = fit(text)
    assert len(out) <= MESSAGE_LIMIT
    assert out.endswith(ELLIPSIS)
    assert out[: -len(ELLIPSIS)].split("\n")[-1].startswith("line ")
    assert len(out[: -len(ELLIPSIS)].split("\n")[-1]) == len("line 0000")


def test_fit_never_leaves_a_tag_or_entity_half_written() -> None:
    """A cut inside one long line backs out of an entity and closes open tags."""
    text = "<b>" + "&amp;" * 2000 + "</b>"
    out = fit(text, 100)
    assert len(out) <= 100
    assert out.endswith("</b>" + ELLIPSIS)
    assert "&amp;</b>" in out


def test_fit_caption_uses_caption_limit() -> None:
    """Captions are cut to 1,024 characters."""
    assert len(fit_caption("x" * 5000)) == CAPTION_LIMIT


@given(st.text(max_size=12000), st.integers(min_value=10, max_value=5000))
def test_fit_always_fits(text: str, limit: int) -> None:
    """Whatever the text, the result fits the limit."""
    assert len(fit(escape(text), limit)) <= limit


def test_chunks_split_long_text_into_fitting_messages() -> None:
    """A long plan splits on line boundaries into messages that each fit; no line is lost."""
    lines = [f"step {n}: " + "x" * 50 for n in range(300)]
    parts = chunks("\n".join(lines))
    assert len(parts) > 1
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert "\n".join(parts).split("\n") == lines


@given(st.text(max_size=9000))
def test_chunks_always_fit(text: str) -> None:
    """Every chunk of any text fits the message limit."""
    assert all(len(part) <= MESSAGE_LIMIT for part in chunks(escape(text)))
