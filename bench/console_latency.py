"""Benchmark: staff console page latency (issue 13), against /healthz in the same run.

Seeds N patients (each with an enrollment and 10 planned messages, some sent, some failed,
an open case every 50th, an audit row each; labels like "Sunita Devi (file 12345)" from 30
first names and 25 surnames), serves the console over a real AppContext on 127.0.0.1,
signs in by a one-time link, then times sequential GETs of /healthz, Today, Patients
searches by any part of the label (issue 21: a surname, a first name and surname, a file
number, a rare word, and two letters, which have no trigram to look up) and one patient's
page. Figures: p50 / p99 in ms per page.

    .venv/bin/python -m bench.console_latency                       # 1,000 patients, SQLite
    .venv/bin/python -m bench.console_latency --patients 1000,100000 --backends sqlite,postgres

--freeze-gc calls gc.freeze() once the context is open and the rows seeded, as a process
would after start-up: the start-up heap (~135,000 objects) then leaves the collector's
full passes, which otherwise stop the process for 70-150 ms every few dozen pages and
make the p99 (the second-slowest of 200) mostly a measure of the garbage collector.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import insert, text

from app.application import open_context
from app.settings import Settings
from core.clock import FakeClock
from storage.models import AuditEvent, Enrollment, Escalation, Patient, ScheduledMessage
from testkit.postgres import empty_tables, postgres_unavailable_reason, scratch_database
from tests.console.support import serving, sign_in

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
MESSAGES_PER_PATIENT = 10
CHUNK = 2000
STAFF = 1000
FIRST = ("Sunita", "Priya", "Asha", "Ravi", "Kabir", "Anita", "Sarah", "Rahul", "Meera", "Arjun",
         "Pooja", "Vikram", "Neha", "Rohan", "Kavya", "Amit", "Divya", "Suresh", "Lakshmi",
         "Farhan", "Zoya", "John", "Maria", "Ahmed", "Fatima", "Deepa", "Nikhil", "Isha", "Tara",
         "Manoj")
LAST = ("Devi", "Kapoor", "Sharma", "Johnson", "Rao", "Iyer", "Khan", "Patel", "Singh", "Gupta",
        "Reddy", "Nair", "Das", "Mehta", "Joshi", "Bose", "Verma", "Malhotra", "Chopra",
        "Banerjee", "Pillai", "Menon", "Shah", "Kulkarni", "Desai")
# The searches timed (issue 21: any part of the label, served by the trigram index).
SEARCHES = {
    "search surname": "johnson",
    "search two words": "sunita devi",
    "search file no.": "2231",
    "search rare": "zoya mehta (file 4",
    "search 2 letters": "ja",
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def seed(engine: Any, patients: int) -> None:
    """Bulk rows straight into the tables (the services would take hours at 100,000)."""
    rng = random.Random(13)
    steps = ["day0-care", "sun", "checkin-day1", "results-early", "next-session"]
    async with engine.begin() as conn:
        for start in range(1, patients + 1, CHUNK):
            ids = range(start, min(start + CHUNK, patients + 1))
            await conn.execute(insert(Patient), [
                {"id": i, "chat_id": 10_000_000 + i,
                 "label": f"{rng.choice(FIRST)} {rng.choice(LAST)} (file {10000 + i})",
                 "language": "en", "timezone": "Asia/Kolkata", "status": "active",
                 "consented_at": NOW - timedelta(days=i % 30), "created_at": NOW - timedelta(
                     days=i % 30), "created_by": STAFF} for i in ids])
            await conn.execute(insert(Enrollment), [
                {"id": i, "patient_id": i, "protocol_id": "micro-mesotherapy-face",
                 "session_start": NOW - timedelta(days=i % 30), "status": "active",
                 "created_by": STAFF, "created_at": NOW - timedelta(days=i % 30),
                 "session_number": 1} for i in ids])
            rows = []
            for i in ids:
                for k in range(MESSAGES_PER_PATIENT):
                    due = NOW + timedelta(hours=rng.uniform(-24 * 30, 24 * 30))
                    status = "pending" if due > NOW else rng.choice(["sent"] * 8 + ["failed",
                                                                                   "expired"])
                    rows.append({
                        "enrollment_id": i, "patient_id": i, "chat_id": 10_000_000 + i,
                        "step_id": steps[k % len(steps)], "occurrence": k, "kind": "reminder",
                        "text": "Keep the treated skin out of the sun.", "due_at": due,
                        "expires_at": due + timedelta(hours=6), "status": status,
                        "available_at": due, "attempts": 1, "created_at": NOW,
                        "moved_by_quiet_hours": False, "respects_quiet_hours": True,
                        "sent_at": due if status == "sent" else None,
                        "finished_at": due if status != "pending" else None,
                    })
            for part in range(0, len(rows), CHUNK):
                await conn.execute(insert(ScheduledMessage), rows[part:part + CHUNK])
            await conn.execute(insert(AuditEvent), [
                {"at": NOW - timedelta(minutes=i % 600), "actor_id": 10_000_000 + i,
                 "action": "invite.accept", "outcome": "ok", "target": f"patient:{i}",
                 "detail": f"enrollment:{i}"} for i in ids])
            cases = [i for i in ids if i % 50 == 0]
            if cases:
                await conn.execute(insert(Escalation), [
                    {"patient_id": i, "kind": "red_flag", "rule_id": "infection",
                     "patient_text": "fever", "status": "open", "created_at": NOW}
                    for i in cases])


async def measure(url: str, patients: int, requests: int, *, freeze_gc: bool = False
                  ) -> dict[str, tuple[float, float]]:
    settings = Settings(database={"url": url}, content={"dir": str(REPO / "content")},
                        staff={"admin_ids": [STAFF]})
    ctx = await open_context(settings, clock=FakeClock(NOW), bot_username="bench_bot")
    try:
        if ctx.engine.dialect.name == "postgresql":
            await empty_tables(ctx.engine)
        began = time.perf_counter()
        await seed(ctx.engine, patients)
        if ctx.engine.dialect.name == "postgresql":
            async with ctx.engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        print(f"  seeded {patients:,} patients in {time.perf_counter() - began:.1f} s")
        if freeze_gc:
            gc.collect()
            gc.freeze()
        pages = {
            "/healthz": "/healthz",
            "today": "/console/",
            **{name: "/console/patients?" + urlencode({"q": text})
               for name, text in SEARCHES.items()},
            "patient page": f"/console/patients/{patients // 2}",
        }
        async with serving(lambda: ctx) as console, httpx.AsyncClient(timeout=30) as client:
            await sign_in(console, client, STAFF)
            figures = {}
            for name, path in pages.items():
                for _ in range(5):  # warm-up
                    await client.get(console.url + path)
                times = []
                for _ in range(requests):
                    start = time.perf_counter()
                    response = await client.get(console.url + path)
                    times.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (name, response.status_code)
                figures[name] = (percentile(times, 0.5), percentile(times, 0.99))
        return figures
    finally:
        await ctx.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", default="1000")
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--freeze-gc", action="store_true",
                        help="gc.freeze() after start-up and seeding (see above)")
    args = parser.parse_args()
    print(f"gc.freeze() after start-up: {'yes' if args.freeze_gc else 'no'}")
    print("backend   patients  page              p50 ms   p99 ms")
    for backend in args.backends.split(","):
        for count in (int(n) for n in args.patients.split(",")):
            print(f"{backend}, {count:,} patients ({count * MESSAGES_PER_PATIENT:,} messages)")
            if backend == "postgres":
                reason = postgres_unavailable_reason()
                if reason:
                    print(f"  skipped: {reason}")
                    continue
                with scratch_database() as url:
                    figures = asyncio.run(measure(url, count, args.requests,
                                                 freeze_gc=args.freeze_gc))
            else:
                with tempfile.TemporaryDirectory() as folder:
                    url = f"sqlite+aiosqlite:///{folder}/bench.db"
                    figures = asyncio.run(measure(url, count, args.requests,
                                                 freeze_gc=args.freeze_gc))
            for name, (p50, p99) in figures.items():
                print(f"{backend:9} {count:9,}  {name:16} {p50:7.1f}  {p99:7.1f}")


if __name__ == "__main__":
    main()
