"""Delivery survives a kill -9 and a database that drops every connection (issue 4: 1, 2)."""

from __future__ import annotations

import asyncio
import random
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from jobs.delivery import DeliveryWorker
from jobs.pacing import PacingPolicy
from jobs.runner import run_worker
from jobs.sender import OutgoingMessage
from storage.outbox import MESSAGES, Outbox
from storage.system_clock import SystemClock
from testkit.delivery_support import fast_settings, fresh_engine, seed, statuses
from testkit.postgres import ADMIN_DSN

ROOT = Path(__file__).resolve().parents[2]
BURST = 10_000

pytestmark = pytest.mark.slow


def spawn_worker(url: str, sender: str, *extra: str) -> subprocess.Popen[bytes]:
    """Start a delivery worker process (testkit/delivery_worker_process.py)."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "testkit.delivery_worker_process", url, sender, *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def sent_ids(log: Path) -> list[int]:
    if not log.exists():
        return []
    return [int(line) for line in log.read_text().split("\n") if line.strip()]


async def ids_in(engine: AsyncEngine, status: str) -> set[int]:
    async with engine.connect() as conn:
        result = await conn.execute(select(MESSAGES.c.id).where(MESSAGES.c.status == status))
        return set(result.scalars())


async def wait_until(check: object, timeout: float, what: str) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def test_kill_9_mid_burst_then_restart_sends_each_message_once(
    engine: AsyncEngine, db_url: str, tmp_path: Path
) -> None:
    """A worker killed at a random point in a 10,000-message burst, then a new one: every
    message ends sent; only messages in flight at the kill may have gone out twice."""
    now = datetime.now(UTC)
    await seed(engine, BURST, due=now - timedelta(seconds=1), created=now)
    log = tmp_path / "sent.log"
    target = random.randint(500, BURST - 1000)
    first = spawn_worker(db_url, f"file:{log}", "--lease", "2", "--batch", "500")
    try:

        async def reached() -> bool:
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            return len(sent_ids(log)) >= target

        await wait_until(reached, 30, f"{target} sends")
    finally:
        first.kill()  # SIGKILL: no clean-up of any kind
        first.wait()
    at_kill = Counter(sent_ids(log))
    in_flight = await ids_in(engine, "sending")

    second = spawn_worker(db_url, f"file:{log}", "--lease", "2", "--batch", "500")
    try:

        async def finished() -> bool:
            assert second.poll() is None, second.stderr.read() if second.stderr else ""
            return (await statuses(engine))["sent"] == BURST

        await wait_until(finished, 40, "every message sent")
    finally:
        second.terminate()
        second.wait(10)
    counts = Counter(sent_ids(log))
    repeated = {i for i, n in counts.items() if n > 1}
    print(
        f"\n[{engine.dialect.name}] killed after {sum(at_kill.values())} sends; "
        f"{len(in_flight)} leased (in flight) at the kill; {len(repeated)} sent twice"
    )
    assert set(counts) == set(range(1, BURST + 1))  # nothing lost
    assert repeated <= in_flight  # repeats only among what was in flight
    assert max(counts.values()) <= 2


class RecordingSender:
    """Counts sends per message id, with a small delay like a real round trip."""

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()

    async def send(self, message: OutgoingMessage) -> int:
        await asyncio.sleep(0.002)
        self.counts[message.message_id] += 1
        return message.message_id


async def terminate_backends(database: str) -> int:
    """Drop every connection to `database`, as a PostgreSQL restart would (others untouched)."""
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        return len(await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()", database,
        ))
    finally:
        await conn.close()


Outage = Callable[[DeliveryWorker, "RecordingSender"], Awaitable[str]]


async def _deliver_through_an_outage(postgres_url: str, *, rate: float, outage: Outage) -> None:
    """3,000 due messages delivered by one worker while `outage` hits the database mid-run:
    delivery must recover by itself, every message sent, none twice."""
    engine = await fresh_engine(postgres_url)
    try:
        now = datetime.now(UTC)
        await seed(engine, 3000, due=now, created=now)
        settings = fast_settings(rate_per_second=rate, batch_size=100, lease_seconds=10)
        sender = RecordingSender()
        worker = DeliveryWorker(
            outbox=Outbox(engine), sender=sender, settings=settings, clock=SystemClock(),
            policy=PacingPolicy(rate_per_second=rate, per_chat_seconds=0),
        )
        stop = asyncio.Event()
        runner = asyncio.create_task(run_worker(worker, poll_seconds=0.2, stop_event=stop))
        what = await outage(worker, sender)
        await wait_until(lambda: _all_sent(engine, 3000), 60, "every message sent")
        stop.set()
        await runner
        print(f"\n{what}; {worker.counters.pass_errors} passes failed and were retried")
        assert set(sender.counts) == set(range(1, 3001))
        assert max(sender.counts.values()) == 1
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_postgres_dropping_every_connection_mid_run_loses_nothing(
    postgres_url: str,
) -> None:
    """Every backend of the worker's database is terminated, again and again, mid-run (a
    PostgreSQL restart as the worker sees it): delivery recovers by itself; every message
    is sent, none twice."""
    database = postgres_url.rsplit("/", 1)[1]

    async def terminate_until_a_pass_fails(worker: DeliveryWorker, _: RecordingSender) -> str:
        killed = 0
        await asyncio.sleep(0.5)
        # Until a kill lands mid-transaction (idle ones pre-ping hides). A pass spends a few
        # percent of its time in the database, so kill often: at 10 a second a run could
        # end with no kill landing (seen once in CI).
        for _ in range(200):
            killed += await terminate_backends(database)
            if worker.counters.pass_errors >= 2:
                break
            await asyncio.sleep(0.02)
        assert killed > 0 and worker.counters.pass_errors > 0  # the outage hit mid-pass
        return f"terminated {killed} backends"

    await _deliver_through_an_outage(postgres_url, rate=500, outage=terminate_until_a_pass_fails)


async def _all_sent(engine: AsyncEngine, total: int) -> bool:
    try:
        return (await statuses(engine))["sent"] == total
    except Exception:  # the test's own connection may be one of those terminated
        return False



def _cluster_restart_command() -> list[str] | None:
    """How to restart the local PostgreSQL cluster (Debian's pg_ctlcluster), if we can."""
    versions = Path("/etc/postgresql")
    if shutil.which("pg_ctlcluster") is None or not versions.is_dir():
        return None
    version = sorted(p.name for p in versions.iterdir())[0]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"]


async def _wait_for_server(seconds: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            conn = await asyncpg.connect(ADMIN_DSN, timeout=2)
        except (OSError, asyncpg.PostgresError):
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.2)
        else:
            await conn.close()
            return


@pytest.mark.postgres
async def test_a_real_postgresql_restart_mid_run_loses_nothing(postgres_url: str) -> None:
    """The local PostgreSQL server is restarted while delivery runs (connections dropped,
    new ones refused for a while): delivery recovers by itself; all sent, none twice."""
    command = _cluster_restart_command()
    if command is None:
        pytest.skip("no pg_ctlcluster here to restart the local PostgreSQL cluster")

    async def restart_the_server(_: DeliveryWorker, sender: RecordingSender) -> str:
        await asyncio.sleep(1.0)
        sent_before = sum(sender.counts.values())
        restart = await asyncio.create_subprocess_exec(
            *command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, err = await restart.communicate()
        assert restart.returncode == 0, err.decode(errors="replace")
        assert 0 < sent_before < 3000  # the restart came mid-run
        await _wait_for_server(30)
        return f"restarted PostgreSQL after {sent_before} sends"

    await _deliver_through_an_outage(postgres_url, rate=300, outage=restart_the_server)
