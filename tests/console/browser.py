"""A real Chromium for the console's browser tests (Debian's `chromium`, driven by
Playwright), and where their screenshots go. Without a browser the tests skip, except when
CI=true: then a missing browser fails them."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from testkit.postgres import in_ci

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # a phone, as inside Telegram's Mini App view


def chromium_path() -> str | None:
    wanted = os.environ.get("CONSOLE_CHROMIUM")
    for path in ((wanted,) if wanted else ()) + CANDIDATES:
        if path and Path(path).exists():
            return path
    return shutil.which("chromium")


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"CI=true and the browser tests need Chromium: {reason}")
    pytest.skip(reason)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Chromium through Playwright (never a downloaded browser build)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    path = chromium_path()
    if path is None:
        unavailable("no Chromium found (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def screenshots(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
                ) -> Path:
    """The folder this test's screenshots go to: $CONSOLE_SCREENSHOTS/<test>, else a folder
    under pytest's temporary directory (its path is printed)."""
    root = os.environ.get("CONSOLE_SCREENSHOTS")
    name = request.node.name.replace("[", "-").replace("]", "")
    folder = Path(root) / name if root else tmp_path_factory.mktemp(name)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


async def unlabelled_controls(page: Any) -> list[str]:
    """Form controls without a label (a <label for>, a wrapping label, aria-label or
    aria-labelledby naming text), and buttons without a name: what an accessibility check
    would flag first."""
    found: list[str] = await page.evaluate("""() => {
      const named = (el) => (el.labels && Array.from(el.labels).some(l => l.textContent.trim()))
        || (el.getAttribute('aria-label') || '').trim()
        || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).some(id => {
             const ref = id && document.getElementById(id);
             return ref && ref.textContent.trim(); });
      const controls = Array.from(document.querySelectorAll(
        'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea'))
        .filter(el => !named(el));
      const buttons = Array.from(document.querySelectorAll(
        'button, input[type=submit], input[type=button]'))
        .filter(el => !(el.textContent.trim() || el.value || named(el)));
      return controls.concat(buttons).map(el => el.outerHTML);
    }""")
    return found


# WCAG 2.x contrast, computed in the page: every visible text node (and each input's and
# select's own text) against the background it is drawn on, composited up the ancestors
# (alpha and opacity included) onto the white canvas. SVG text is read by its fill against
# the HTML background behind the SVG; an empty field's placeholder by its ::placeholder
# colour. Large text (24 px, or 18.66 px bold) needs 3:1, the rest 4.5:1 (AA). A background
# image cannot be judged here and is reported as such.
CONTRAST_SCRIPT = """() => {
  const parse = (value) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(value || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map(
    (i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const background = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.backgroundImage && style.backgroundImage !== "none") return null;
      const color = parse(style.backgroundColor);
      if (color && color[3] > 0) { layers.push(color); if (color[3] >= 1) break; }
    }
    return layers.reduceRight((under, layer) => over(layer, under), [255, 255, 255, 1]);
  };
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const visible = (e) => e.getClientRects().length > 0 &&
    getComputedStyle(e).visibility !== "hidden" && !e.closest("option, script, style, title");
  const checked = new Set();
  const problems = [];
  const judge = (element, text) => {
    if (checked.has(element) || !visible(element)) return;
    checked.add(element);
    const style = getComputedStyle(element);
    const svg = element instanceof SVGElement;
    const ink = parse(svg ? style.fill : style.color);
    const html = svg ? element.closest("svg").parentElement : element;
    const ground = background(html);
    const what = text.trim().replace(/\\s+/g, " ").slice(0, 60);
    if (!ink) return;
    if (!ground) { problems.push({ text: what, ratio: 0, why: "background image" }); return; }
    let alpha = ink[3];
    for (let e = html; e; e = e.parentElement) alpha *= parseFloat(getComputedStyle(e).opacity);
    const shown = over([ink[0], ink[1], ink[2], alpha], ground);
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    const value = ratio(shown, ground);
    if (value < (large ? 3 : 4.5)) {
      problems.push({ text: what, ratio: Math.round(value * 100) / 100, large: large,
        ink: style.color, fill: svg ? style.fill : undefined,
        ground: "rgb(" + ground.slice(0, 3).map(Math.round).join(",") + ")",
        element: element.tagName.toLowerCase() + (element.getAttribute("class") ? "." +
          element.getAttribute("class").trim().split(/\\s+/).join(".") : "") });
    }
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.textContent.trim() && node.parentElement) judge(node.parentElement, node.textContent);
  }
  document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(
    (e) => judge(e, e.value || e.getAttribute("name") || ""));
  // A hint in an empty field is text too: its ::placeholder colour on the field.
  document.querySelectorAll("input[placeholder], textarea[placeholder]").forEach((e) => {
    if (e.value || !visible(e)) return;
    const ink = parse(getComputedStyle(e, "::placeholder").color);
    const ground = background(e);
    if (!ink || !ground) return;
    const value = ratio(over(ink, ground), ground);
    if (value < 4.5) {
      problems.push({ text: "placeholder: " + e.getAttribute("placeholder").slice(0, 40),
        ratio: Math.round(value * 100) / 100, element: "input#" + e.id });
    }
  });
  return problems;
}"""


async def low_contrast(page: Any) -> list[dict[str, Any]]:
    """Texts on the page below WCAG AA contrast (see CONTRAST_SCRIPT)."""
    found: list[dict[str, Any]] = await page.evaluate(CONTRAST_SCRIPT)
    return found
