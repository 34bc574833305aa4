"""Charts drawn on the server as SVG (no script, no chart library): a protocol's timeline by
patient-local day, stacked bars per day, and horizontal bars. Every text is escaped."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from core.course import shown_occurrence
from services.console_protocols import MINUTES_PER_DAY, ProtocolTimeline

COLUMN = 80  # px per day column
HEAD = 54  # px of day headings above the 24 hours
HOURS_H = 480  # px for a whole local day
AXIS = 40  # px of hour labels on the left
COLORS = {"sent": "#2e7d32", "expired": "#767676", "failed": "#c62828"}


def _svg(width: int, height: int, body: list[str], label: str, *, fit: bool = False
         ) -> Markup:
    """An SVG of this size; `fit` ones shrink to their box (bars), the others scroll."""
    css = "chart fit" if fit else "chart"
    return Markup(  # noqa: S704 - every text below went through escape()
        f'<svg class="{css}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}">'
        + "".join(body) + "</svg>"
    )


def _y(minute: int) -> float:
    """Wall-clock minute of the local day -> y (a 23- or 25-hour day is drawn on the same
    24 hours: what moves is the offset in the heading, not the dots)."""
    return HEAD + HOURS_H * minute / MINUTES_PER_DAY


def timeline_svg(timeline: ProtocolTimeline) -> Markup:
    """Days across, the local day downwards, quiet hours shaded; a dot per message (a
    square for a check-in), grey with a cross when expired, a dashed line from where quiet
    hours moved it from."""
    days = timeline.days
    width = AXIS + COLUMN * len(days) + 8
    height = HEAD + HOURS_H + 8
    body: list[str] = []
    for hour in range(0, 25, 3):
        y = HEAD + HOURS_H * hour / 24
        body.append(f'<line class="grid" x1="{AXIS}" y1="{y:.1f}" x2="{width - 8}" '
                    f'y2="{y:.1f}"/>')
        body.append(f'<text class="axis" x="{AXIS - 4}" y="{y + 4:.1f}" '
                    f'text-anchor="end">{hour:02d}:00</text>')
    for index, day in enumerate(days):
        x = AXIS + COLUMN * index
        for start, end in day.quiet:
            top, bottom = _y(start), _y(end)
            body.append(f'<rect class="quiet" x="{x + 2}" y="{top:.1f}" width="{COLUMN - 4}" '
                        f'height="{max(bottom - top, 0):.1f}"><title>quiet hours</title></rect>')
        heading = f"D{day.offset_from_session:+d}" if day.offset_from_session else "Session"
        body.append(f'<text class="day" x="{x + COLUMN / 2}" y="14" text-anchor="middle">'
                    f"{escape(heading)}</text>")
        body.append(f'<text class="date" x="{x + COLUMN / 2}" y="30" text-anchor="middle">'
                    f'{escape(day.day.strftime("%a %d %b"))}</text>')
        hours = "" if day.length_minutes == MINUTES_PER_DAY else f" ({day.length_minutes // 60}h)"
        body.append(f'<text class="offset" x="{x + COLUMN / 2}" y="46" text-anchor="middle">'
                    f"{escape(day.utc_offset + hours)}</text>")
        body.append(f'<line class="column" x1="{x}" y1="{HEAD}" x2="{x}" '
                    f'y2="{HEAD + HOURS_H}"/>')
    for mark in timeline.marks:
        cx = AXIS + COLUMN * mark.day_index + COLUMN / 2
        cy = _y(mark.minute)
        message = mark.message
        local = message.due_at.astimezone(timeline.zone).strftime("%a %d %b %H:%M")
        tip = (f"{message.step_id}{shown_occurrence(message.step_id, message.occurrence)}: "
               f"{local} ({message.status})")
        if mark.nominal_day_index is not None and mark.nominal_minute is not None:
            nx = AXIS + COLUMN * mark.nominal_day_index + COLUMN / 2
            ny = _y(mark.nominal_minute)
            body.append(f'<line class="moved" x1="{nx:.1f}" y1="{ny:.1f}" x2="{cx:.1f}" '
                        f'y2="{cy:.1f}"/><circle class="was" cx="{nx:.1f}" cy="{ny:.1f}" r="4"/>')
            tip += " - moved by quiet hours"
        expired = message.status == "expired"
        kind = "checkin" if message.kind == "checkin" else "reminder"
        css = f"mark {kind}{' expired' if expired else ''}"
        if kind == "checkin":
            tag, where = "rect", f'x="{cx - 6:.1f}" y="{cy - 6:.1f}" width="12" height="12"'
        else:
            tag, where = "circle", f'cx="{cx:.1f}" cy="{cy:.1f}" r="6"'
        body.append(f'<{tag} class="{css}" {where}><title>{escape(tip)}</title></{tag}>')
        if expired:
            body.append(f'<path class="cross" d="M{cx - 5:.1f} {cy - 5:.1f}l10 10m0 -10l-10 10"/>')
    return _svg(width, height, body, f"Timeline of {timeline.protocol.id}")


def stacked_bars(
    rows: Sequence[tuple[str, dict[str, int]]], keys: Sequence[str], label: str
) -> Markup:
    """One stacked bar per row (e.g. per day), segments in `keys` order, with a legend."""
    bar, gap, height, top = 28, 8, 180, 24
    width = AXIS + (bar + gap) * len(rows) + 8
    peak = max((sum(values.get(k, 0) for k in keys) for _, values in rows), default=0) or 1
    body: list[str] = []
    for i, key in enumerate(keys):
        body.append(f'<rect x="{AXIS + i * 90}" y="4" width="10" height="10" '
                    f'fill="{COLORS.get(key, "#1565c0")}"/><text class="axis" '
                    f'x="{AXIS + i * 90 + 14}" y="13">{escape(key)}</text>')
    body.append(f'<text class="axis" x="{AXIS - 4}" y="{top + 8}" text-anchor="end">'
                f"{peak}</text>")
    for index, (name, values) in enumerate(rows):
        x = AXIS + index * (bar + gap)
        y: float = top + height
        for key in keys:
            count = values.get(key, 0)
            if not count:
                continue
            h = height * count / peak
            y -= h
            body.append(f'<rect x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}" '
                        f'fill="{COLORS.get(key, "#1565c0")}"><title>{escape(name)}: '
                        f"{count} {escape(key)}</title></rect>")
        body.append(f'<text class="axis" x="{x + bar / 2}" y="{top + height + 14}" '
                    f'text-anchor="middle">{escape(name)}</text>')
    return _svg(width, top + height + 22, body, label, fit=True)


def hbars(items: Sequence[tuple[str, int]], label: str) -> Markup:
    """Horizontal bars with their label and count (check-in answers, cases per week)."""
    row, text_w, bar_w = 22, 190, 220
    peak = max((count for _, count in items), default=0) or 1
    body: list[str] = []
    for index, (name, count) in enumerate(items):
        y = index * row
        short = name if len(name) <= 30 else name[:29] + "…"
        body.append(f'<text class="axis" x="0" y="{y + 15}">{escape(short)}</text>')
        body.append(f'<rect x="{text_w}" y="{y + 4}" width="{bar_w * count / peak:.1f}" '
                    f'height="14" fill="#1565c0"/><text class="axis" '
                    f'x="{text_w + bar_w * count / peak + 4:.1f}" y="{y + 15}">{count}</text>')
    return _svg(text_w + bar_w + 40, max(row * len(items), row), body, label, fit=True)


def score_bars(items: Sequence[tuple[str, float, int]], label: str, *, top: float = 5.0
               ) -> Markup:
    """Horizontal bars of an average score out of `top` (satisfaction 1-5), each with its
    value and how many answers it averages."""
    row, text_w, bar_w = 22, 230, 200
    body: list[str] = []
    for index, (name, value, count) in enumerate(items):
        y = index * row
        short = name if len(name) <= 36 else name[:35] + "…"
        width = bar_w * max(0.0, min(value, top)) / top
        body.append(f'<text class="axis" x="0" y="{y + 15}">{escape(short)}</text>')
        body.append(f'<rect x="{text_w}" y="{y + 4}" width="{width:.1f}" height="14" '
                    f'fill="#2e7d32"><title>{escape(name)}: {value:.1f} of {top:g} '
                    f'({count} answer(s))</title></rect><text class="axis" '
                    f'x="{text_w + width + 4:.1f}" y="{y + 15}">{value:.1f} ({count})</text>')
    return _svg(text_w + bar_w + 70, max(row * len(items), row), body, label, fit=True)
