"""Benchmark: an inbound storm, every enrolled patient writing within a few seconds.

1,000 enrolled, active patients each send one message within 10 s (everyone answering a
check-in at once: small talk and stickers, FAQ questions with typos, red flags, photos,
questions nothing answers; bench/inbound_storm_mix.py), to the real bot in a process of
its own (the CLI's `run`: settings, SQLite file migrated by Alembic at start, the system
clock, PTB's HTTP stack), through the fake Bot API on loopback (getUpdates long polling,
or `--mode webhook`). The staff chat is a forum supergroup (`--staff-chat plain`: one
without topics) and the fake enforces Telegram's 20 messages a minute there.

Baseline, same run: a minimal PTB bot that only echoes (bench/inbound_storm_bot.py),
polling the same kind of fake (or PTB's own webhook server), fed the same sends at the
same moments, measured the same way. Then the same with a smaller storm: the trend.

Figures: patients answered; reply latency p50 / p99 / max (from handing the update to the
fake to the bot's first message in that patient's chat; "never": no answer within
`--wait` s of the last send); updates handled per second per process (answered / first
send to last first reply); the bot's CPU; replies meant for someone else; cases opened;
staff-chat posts, 429s, the most in any 60 s, and what is still queued when the bot stops
(the posts trail at 20 a minute: expected).

    .venv/bin/python -m bench.inbound_storm                  # ~3 min: 1,000 and 200
    .venv/bin/python -m bench.inbound_storm --patients 200 --seconds 5
    .venv/bin/python -m bench.inbound_storm --staff-chat plain --linger 60
    .venv/bin/python -m bench.inbound_storm --database postgresql --mode webhook
    .venv/bin/python -m bench.inbound_storm --patients 1000 --profile /tmp/storm

Exit code 0 either way: it is a benchmark; each goal is printed as met or not.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.application import build_application
from app.settings import Settings
from bench.inbound_storm_db import (
    ALERT_CHAT_ID,
    TOKEN,
    bot_environment,
    database,
    enroll_patients,
    leftovers,
    settings_from,
)
from bench.inbound_storm_mix import Send, describe, storm
from bench.inbound_storm_profile import report
from bench.inbound_storm_run import (
    PATIENT_BASE,
    WARM_BASE,
    Figures,
    bot_process,
    cpu_seconds,
    fake_api,
    free_port,
    measure,
    percentile,
    staff_figures,
    wait_ready,
    warm_up,
    webhook_env,
)

WARM = 20
P99_GOAL = 2.0
SHARE_GOAL = 0.5


def run_aftercare(sends: list[Send], args: argparse.Namespace, folder: Path,
                  profile: Path | None = None) -> tuple[Figures, float]:
    """The real bot against one storm; returns its figures and the enrollment time."""
    webhook = args.mode == "webhook"
    with database(args.database, folder) as url, fake_api(args.staff_chat == "forum") as api:
        env = bot_environment(folder, api.url, url)
        if webhook:
            env.update(webhook_env(free_port()))
        settings = settings_from(env)
        chats = [PATIENT_BASE + i for i in range(len(sends))]
        enrolled = asyncio.run(enroll_patients(settings, chats + [WARM_BASE + i
                                                                  for i in range(WARM)]))
        command = ["aftercare", *(["--profile", str(profile)] if profile else [])]
        log = folder / "aftercare.log"
        with bot_process(command, env, log) as bot:
            wait_ready(api, bot, log, webhook)
            warm_up(api, bot, log, WARM)
            figures = measure(api, bot, sends, name="aftercare", wait=args.wait,
                              webhook=webhook, profile=profile is not None)
            if args.linger > 0:
                cpu_before, _ = cpu_seconds(bot)
                posts_before = len(api.sent_to(ALERT_CHAT_ID))
                time.sleep(args.linger)
                cpu, _ = cpu_seconds(bot)
                figures.notes.append(
                    f"lingering {args.linger:g} s after the answers: bot CPU "
                    f"{cpu - cpu_before:.1f} s for {len(api.sent_to(ALERT_CHAT_ID)) - posts_before}"
                    " staff posts sent meanwhile")
        figures.staff = staff_figures(api, figures.start, asyncio.run(leftovers(settings)))
    return figures, enrolled


def run_echo(sends: list[Send], args: argparse.Namespace, folder: Path) -> Figures:
    webhook = args.mode == "webhook"
    with fake_api() as api:
        command = ["echo", api.url, TOKEN]
        if webhook:
            hook = webhook_env(free_port())
            command += ["--webhook", hook["TELEGRAM_WEBHOOK_URL"], hook["TELEGRAM_WEBHOOK_SECRET"]]
        log = folder / "echo.log"
        with bot_process(command, {}, log) as bot:
            wait_ready(api, bot, log, webhook)
            warm_up(api, bot, log, WARM)
            return measure(api, bot, sends, name="echo", wait=args.wait, webhook=webhook)


@contextmanager
def run_folder(keep: Path | None, name: str) -> Iterator[Path]:
    """A temporary folder for one run, or `keep`/`name` (made afresh) when logs are kept."""
    if keep is None:
        with tempfile.TemporaryDirectory() as temporary:
            yield Path(temporary)
        return
    kept = keep / name
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir(parents=True)
    yield kept


def describe_settings(settings: Settings) -> str:
    """What the aftercare bot runs with, read from the application it builds."""
    app = build_application(settings)
    processor = app.update_processor
    limiter: Any = app.bot.rate_limiter
    parts = [f"{type(processor).__name__}, {processor.max_concurrent_updates} update(s) "
             "at once"]
    if limiter is None:
        parts.append("no rate limiter")
    else:
        base = getattr(limiter, "_base_limiter", None)
        overall = f"{base.max_rate:g} per {base.time_period:g} s overall" if base else "-"
        group = (f"{getattr(limiter, '_group_max_rate', 0):g} per "
                 f"{getattr(limiter, '_group_time_period', 0):g} s per group chat")
        parts.append(f"{type(limiter).__name__}: {overall}, {group} (any method with a "
                     "negative chat_id: sends, getChat, createForumTopic)")
    delivery = settings.delivery
    parts.append(f"delivery {delivery.rate_per_second:g}/s, {delivery.group_per_minute:g} a "
                 f"minute per group, poll {delivery.poll_seconds:g} s, quiet hours "
                 f"{delivery.quiet_hours or 'off'}")
    return "; ".join(parts)


def extra_notes(after: Figures, echo: Figures) -> list[str]:
    notes = []
    for figures in (after, echo):
        calls = ", ".join(f"{n} {method}" for method, n in figures.requests.most_common(6))
        notes.append(f"{figures.bot}: CPU {figures.cpu_seconds:.1f} s (main thread "
                     f"{figures.main_cpu:.1f} s); Bot API calls: {calls}")
    return notes


def ms(value: float) -> str:
    return "never" if math.isinf(value) else f"{value * 1000:,.0f} ms"


def met(ok: bool) -> str:
    return "yes" if ok else "NO"


def table(after: Figures, echo: Figures, wait: float) -> list[str]:
    rows: list[tuple[str, str, str, str, str, str]] = []
    share = after.per_second / echo.per_second if echo.per_second else 0.0
    p99 = percentile(after.latencies, 0.99)

    def ratio(a: float, b: float) -> str:
        return "-" if not (b and math.isfinite(a) and math.isfinite(b)) else f"x{a / b:.2f}"

    rows.append(("answered", f"{after.answered}/{after.patients}",
                 f"{echo.answered}/{echo.patients}", "", f"all (within {wait:g} s)",
                 met(after.answered == after.patients)))
    for label, q in (("reply p50", 0.5), ("reply p99", 0.99), ("reply max", 1.0)):
        a, e = percentile(after.latencies, q), percentile(echo.latencies, q)
        rows.append((label, ms(a), ms(e), ratio(a, e), "<= 2,000 ms" if q == 0.99 else "",
                     met(p99 <= P99_GOAL) if q == 0.99 else ""))
    rows.append(("updates/s per process", f"{after.per_second:,.1f}",
                 f"{echo.per_second:,.1f}", f"{share:.0%}", ">= 50% of echo",
                 met(share >= SHARE_GOAL)))
    rows.append(("first send to last first reply", f"{after.span:.1f} s", f"{echo.span:.1f} s",
                 ratio(after.span, echo.span), "", ""))
    a_cpu = after.cpu_seconds / max(1, after.answered)
    e_cpu = echo.cpu_seconds / max(1, echo.answered)
    rows.append(("bot CPU per answered update", f"{1000 * a_cpu:.1f} ms",
                 f"{1000 * e_cpu:.1f} ms", ratio(a_cpu, e_cpu), "", ""))
    rows.append(("messages to patients", f"{after.replies:,}", f"{echo.replies:,}", "", "", ""))
    wrong = after.misdirected + after.crossed
    rows.append(("replies meant for another", str(wrong),
                 str(echo.misdirected + echo.crossed), "", "0", met(wrong == 0)))
    rows.append(("red flags without the urgent reply", str(after.red_missed), "-", "", "0",
                 met(after.red_missed == 0)))
    staff = after.staff
    if staff is not None:
        cases = staff.leftovers.cases
        posts = staff.leftovers.posts
        queued = posts["pending"] + posts["sending"]
        rows.append(("cases opened", f"{sum(cases.values())} (" + ", ".join(
            f"{n} {kind}" for kind, n in cases.most_common()) + ")", "-", "", "", ""))
        rows.append(("forum topics made (createForumTopic)", str(staff.topics), "-", "", "",
                     ""))
        rows.append((f"staff posts sent in {staff.watched:.0f} s", str(staff.posts_sent), "-",
                     "", "paced", ""))
        rows.append(("staff posts max in any 60 s", str(staff.max_in_60s), "-", "", "<= 20",
                     met(staff.max_in_60s <= 20)))
        gap = "-" if math.isinf(staff.min_gap) else f"{staff.min_gap:.2f} s"
        rows.append(("shortest gap between staff posts", gap, "-", "", ">= 3 s", ""))
        refused = ", ".join(f"{n} {method}" for method, n in staff.refused.items())
        rows.append(("429 answers (fake)", f"{staff.too_many}{f' ({refused})' if refused else ''}",
                     "-", "", "0", met(staff.too_many == 0)))
        rows.append(("staff posts still queued at stop", str(queued), "-", "",
                     "trail at 20/min", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    heads = ("figure", "aftercare", "echo", "ratio", "goal", "met?")
    widths = [max(w, len(h)) for w, h in zip(widths, heads, strict=True)]
    lines = ["  " + " | ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)),
             "  " + "-+-".join("-" * w for w in widths)]
    lines += ["  " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
              for row in rows]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", default="1000,200",
                        help="storm sizes, comma-separated (default 1000,200)")
    parser.add_argument("--seconds", type=float, default=10.0, help="storm length")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--wait", type=float, default=30.0,
                        help="seconds after the last send to wait for answers")
    parser.add_argument("--linger", type=float, default=0.0,
                        help="seconds the aftercare bot keeps running after the answers "
                             "(to watch staff-post pacing)")
    parser.add_argument("--profile", type=Path,
                        help="also profile the aftercare bot through one more storm of the "
                             "first size (stack samples per ms of CPU, SQL counted; "
                             "written to PROFILE.samples.json and PROFILE.sql.json)")
    parser.add_argument("--staff-chat", choices=("forum", "plain"), default="forum",
                        help="the staff chat as a forum supergroup (a topic per patient) or "
                             "a plain supergroup")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--logs", type=Path,
                        help="keep each run's folder (bot log, settings, SQLite file) here")
    args = parser.parse_args()
    began = time.monotonic()
    sizes = [int(part) for part in args.patients.split(",") if part.strip()]
    with tempfile.TemporaryDirectory() as folder:
        env = bot_environment(Path(folder), "http://127.0.0.1:9", "sqlite:///:memory:")
        print(f"aftercare bot: {describe_settings(settings_from(env))}")
    print("echo bot: PTB defaults (one update at a time, no rate limiter)")
    print(f"updates by {args.mode}; database {args.database}; staff chat: {args.staff_chat} "
          "supergroup; fake Bot API in a thread of this process, each bot in its own "
          "process\n", flush=True)
    for size in sizes:
        sends = storm(size, args.seconds, args.seed)
        print(f"storm: {size:,} patients in {args.seconds:g} s: {describe(sends)}", flush=True)
        with run_folder(args.logs, f"echo-{size}") as one, \
                run_folder(args.logs, f"aftercare-{size}") as two:
            echo = run_echo(sends, args, one)
            after, enrolled = run_aftercare(sends, args, two)
        print(f"  enrolled {size + WARM:,} patients in {enrolled:.1f} s")
        print("\n".join(f"  {note}" for note in [*after.notes, *extra_notes(after, echo)]))
        print("\n".join(table(after, echo, args.wait)) + "\n", flush=True)
    if args.profile is not None:
        sends = storm(sizes[0], args.seconds, args.seed)
        with run_folder(args.logs, f"profiled-{sizes[0]}") as folder:
            profiled, _ = run_aftercare(sends, args, folder, profile=args.profile)
        print(f"profiled storm ({sizes[0]:,}; sampling slows the bot a little): answered "
              f"{profiled.answered}/{profiled.patients}, p50 "
              f"{ms(percentile(profiled.latencies, 0.5))}, p99 "
              f"{ms(percentile(profiled.latencies, 0.99))}, {profiled.per_second:.1f}/s")
        print("\n".join(report(args.profile, profiled.patients, profiled.cpu_seconds)))
    print(f"total {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
