"""Where the aftercare bot's time goes during a storm: its stack samples and SQL, summed up.

Written by the bot process with `--profile FILE` (bench/inbound_storm_bot.py): FILE.samples
.json (the main thread's stack at every ~1 ms of process CPU, bench/inbound_storm_sampler
.py) and FILE.sql.json (every SQL statement and commit, counted). The main thread is the
event loop: handlers, SQLAlchemy's ORM work, PTB and the delivery worker all run there;
SQLite itself runs in aiosqlite's thread (samples that find the main thread in `select`).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path


def _counter(data: object) -> Counter[str]:
    return Counter({str(k): int(v) for k, v in dict(data).items()}) if isinstance(
        data, dict) else Counter()


def report(path: Path, updates: int, cpu: float, top: int = 14) -> list[str]:
    """Lines to print: CPU shares (scaled to the process's `cpu` seconds) and SQL."""
    samples_file, sql_file = Path(f"{path}.samples.json"), Path(f"{path}.sql.json")
    if not samples_file.exists():
        return [f"no samples at {samples_file} (the bot did not write them)"]
    data = json.loads(samples_file.read_text())
    total, elsewhere = max(1, int(data["samples"])), int(data["elsewhere"])
    inclusive, leaf = _counter(data["inclusive"]), _counter(data["leaf"])
    leaf["(main thread in select: SQLite's thread and the kernel)"] = elsewhere

    def cost(count: int) -> str:
        # Every sample stands for the same CPU time: cpu / total seconds.
        seconds = cpu * count / total
        return (f"{100 * count / total:5.1f}%  {seconds:6.2f} s  "
                f"{1000 * seconds / updates:6.2f} ms/update")

    lines = [f"bot process: {total:,} samples, one per ~{1000 * cpu / total:.2f} ms of its "
             f"{cpu:.1f} s of CPU ({updates:,} updates)",
             "innermost Python frame of the main thread, by library (own time):"]
    lines += [f"  {cost(n)}  {name}" for name, n in leaf.most_common(9)]
    lines.append(f"project functions on the stack (inclusive time, callees included) "
                 f"(top {top}):")
    lines += [f"  {cost(n)}  {name}" for name, n in inclusive.most_common(top)]
    if sql_file.exists():
        counts = _counter(json.loads(sql_file.read_text()))
        statements = sum(n for text, n in counts.items() if text != "COMMIT")
        lines.append(f"SQL during the storm: {statements:,} statements "
                     f"({statements / updates:.1f} per update), {counts['COMMIT']:,} commits "
                     f"({counts['COMMIT'] / updates:.1f} per update); most frequent:")
        lines += [f"  {n:7,}  {n / updates:5.2f}/update  {text}"
                  for text, n in counts.most_common(top + 1) if text != "COMMIT"][:top]
    return lines
