"""Splitting a long text into messages: measured as read (UTF-16), cut at paragraph, line,
sentence or word boundaries, in order, nothing lost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.message_parts import split_text, utf16_length


def test_short_text_is_one_piece() -> None:
    """A text that fits is one piece, trimmed."""
    assert split_text("  Hello.  ", first=10, rest=10) == ["Hello."]


@pytest.mark.parametrize(("text", "first", "expected"), [
    ("One two.\n\nThree four.", 15, ["One two.", "Three four."]),  # paragraph
    ("One two.\nThree four.", 15, ["One two.", "Three four."]),  # line
    ("One two. Three four.", 15, ["One two.", "Three four."]),  # sentence
    ("One two three four", 12, ["One two", "three four"]),  # word
    ("abcdefghij", 4, ["abcd", "efgh", "ij"]),  # no boundary: cut anywhere
])
def test_cuts_at_the_best_boundary(text: str, first: int, expected: list[str]) -> None:
    """Paragraph first, then line, sentence, word; a word longer than a piece is cut."""
    assert split_text(text, first=first, rest=first) == expected


def test_emoji_beyond_the_bmp_count_two() -> None:
    """Telegram counts UTF-16 units: 😀 is two of them."""
    assert utf16_length("😀a") == 3
    assert split_text("😀😀😀", first=4, rest=4) == ["😀😀", "😀"]


def test_the_first_piece_leaves_room_for_a_heading() -> None:
    """`first` may be smaller than `rest` (the clinic's name goes on the first message)."""
    pieces = split_text("aa bb cc dd ee", first=5, rest=8)
    assert pieces[0] == "aa bb" and all(len(p) <= 8 for p in pieces[1:])


@given(st.text(alphabet=st.sampled_from("ab .\n'<&😀"), max_size=400),
       st.integers(min_value=2, max_value=60))
def test_nothing_is_lost_and_every_piece_fits(text: str, size: int) -> None:
    """Whatever the text: every non-space character, in order, in pieces that fit."""
    pieces = split_text(text, first=size, rest=size)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())
    assert all(0 < utf16_length(p) <= size for p in pieces)
