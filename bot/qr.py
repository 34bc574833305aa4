"""QR codes of invite links, as PNG bytes ready for sendPhoto."""

from __future__ import annotations

import io

import segno

# Big enough to scan off a phone screen or a print-out at the front desk.
SCALE = 8
BORDER = 4


def qr_png(link: str) -> bytes:
    """A PNG of the QR code for `link` (error correction M: survives smudges, stays small)."""
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=SCALE, border=BORDER)
    return buffer.getvalue()
