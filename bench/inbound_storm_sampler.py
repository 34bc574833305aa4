"""A CPU-time stack sampler for the bot process: which project functions its time is spent in.

cProfile cannot say how long an update spends inside `handle_text` (a coroutine is counted
per resumption, and asyncio's loop makes every frame look recursive). This asks the kernel
for a SIGPROF every `interval` seconds of the process's CPU time (ITIMER_PROF: all
threads); Python runs the handler in the main thread with the frame it interrupted, whose
f_back chain is the running task's whole await chain. So each sample stands for the same
CPU time: one with a function on the stack counts toward that function's inclusive time
(callees included, waits excluded; followed across SQLAlchemy's greenlets); one that finds
the main thread blocked in `select` means another thread (aiosqlite's SQLite thread) was
using the CPU. Linux ticks ITIMER_PROF at the kernel's HZ: about one sample per 4 ms.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

import greenlet  # type: ignore[import-untyped]

ROOT = str(Path(__file__).resolve().parents[1]) + "/"
# On every stack (the CLI down to run_polling): not worth a line.
OUTER = ("app/cli.py:", "app/application.py:run_bot")


def _project(frame: FrameType) -> str | None:
    filename = frame.f_code.co_filename
    if filename.startswith(ROOT) and "/site-packages/" not in filename and (
        "/bench/" not in filename
    ):
        name = f"{filename[len(ROOT):]}:{frame.f_code.co_name}"
        return None if name.startswith(OUTER) else name
    return None


def _library(filename: str) -> str:
    if "/site-packages/" in filename:
        return filename.split("/site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(ROOT):
        return filename[len(ROOT):].split("/", 1)[0] + "/"
    return "asyncio" if "/asyncio/" in filename else "python stdlib"


class StackSampler:
    """Samples the main thread's stack every `interval` s of process CPU time while on."""

    def __init__(self, interval: float = 0.001) -> None:
        self._interval = interval
        self.samples = 0
        self.elsewhere = 0  # the main thread was waiting in select: another thread ran
        self.inclusive: Counter[str] = Counter()  # project functions on the stack
        self.leaf: Counter[str] = Counter()  # the library of the innermost Python frame

    def start(self) -> None:
        signal.signal(signal.SIGPROF, self._take)
        signal.setitimer(signal.ITIMER_PROF, self._interval, self._interval)

    def stop(self, path: str) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, signal.SIG_IGN)
        with open(path, "w") as out:
            json.dump({"samples": self.samples, "elsewhere": self.elsewhere,
                       "interval": self._interval, "inclusive": dict(self.inclusive),
                       "leaf": dict(self.leaf)}, out)

    def _take(self, _signum: int, frame: FrameType | None) -> None:
        if frame is None:
            return
        self.samples += 1
        code = frame.f_code
        if code.co_name == "select" and code.co_filename.endswith("selectors.py"):
            self.elsewhere += 1
            return
        self.leaf[_library(code.co_filename)] += 1
        seen: set[str] = set()
        for current in _stack(frame):
            name = _project(current)
            if name is not None:
                seen.add(name)
        self.inclusive.update(seen)


def _stack(frame: FrameType) -> list[FrameType]:
    """The interrupted frame and its callers, across greenlets: SQLAlchemy's async layer
    runs ORM code in a greenlet whose outermost frame has no f_back; its caller is where
    the parent greenlet switched to it (the awaiting coroutine's greenlet_spawn)."""
    frames: list[FrameType] = []
    current: FrameType | None = frame
    runner: Any = greenlet.getcurrent()
    while True:
        while current is not None:
            frames.append(current)
            current = current.f_back
        runner = runner.parent
        if runner is None:
            return frames
        current = runner.gr_frame
