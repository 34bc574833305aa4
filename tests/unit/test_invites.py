"""Invite codes: entropy, URL safety, hashing and deep links."""

from __future__ import annotations

import re

from core.invites import InviteCode, deep_link, hash_code, is_well_formed


def test_codes_are_url_safe_long_and_unique() -> None:
    """Every code has >= 22 URL-safe chars (128 bits) and 2,000 codes never collide."""
    codes = [InviteCode.new().code for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,64}", code)
        assert is_well_formed(code)


def test_hash_is_sha256_hex_and_not_the_code() -> None:
    """The stored hash is a 64-char hex digest that differs from the code itself."""
    invite = InviteCode.new()
    assert invite.code_hash == hash_code(invite.code)
    assert re.fullmatch(r"[0-9a-f]{64}", invite.code_hash)
    assert invite.code not in invite.code_hash
    assert hash_code("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_malformed_codes_are_recognised() -> None:
    """Spaces, markup, empty and over-long parameters are not codes."""
    for bad in ("", "a b", "<script>", "x" * 65, "ü"):
        assert not is_well_formed(bad)


def test_deep_link_has_bot_username_and_code() -> None:
    """The deep link is https://t.me/<bot>?start=<code>, with any leading @ dropped."""
    assert deep_link("@clinic_bot", "abc") == "https://t.me/clinic_bot?start=abc"
