"""Shared parts of the ratings benchmarks and the chaos test: a fresh PostgreSQL
database, `kaoping serve` in the background, seeded transactions, an HTTP client."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BASE = os.environ.get("KAOPING_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_database(name: str) -> str:
    """Drop and create database ``name``; returns its URL."""
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_BASE}/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(KAOPING_DATABASE_URL=url, KAOPING_SECRET_KEY="bench-secret-key-not-for-production-0123456789",
               KAOPING_DEBUG="0", KAOPING_ACCESS_LOG="/dev/null", KAOPING_LOG_LEVEL="ERROR")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def kaoping(args: list[str], env: dict[str, str]) -> str:
    out = subprocess.run([str(BIN / "kaoping"), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"kaoping {' '.join(args)} failed: {out.stderr[-2000:]}")
    return out.stdout


def setup_django(url: str) -> None:
    """Point this process's Django at ``url`` (before any model import)."""
    for k, v in server_env(url).items():
        os.environ[k] = v
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaoping.config.settings"
    import django

    django.setup()


def seed_transactions(n: int, *, windows: int = 200, prefix: str = "B") -> list[str]:
    """``n`` completed transactions spread over ``windows`` windows in 10 halls (bulk)."""
    from django.utils import timezone

    from kaoping.ratings.models import Hall, ServiceItem, StaffMember, Transaction, Window
    from kaoping.ratings.services import month_start

    halls = Hall.objects.bulk_create([Hall(code=f"H{i:02d}", name=f"大厅{i}") for i in range(10)])
    wins = Window.objects.bulk_create([Window(hall=halls[i % 10], code=f"W{i:03d}", name=f"窗口{i}")
                                       for i in range(windows)])
    staff = StaffMember.objects.bulk_create([StaffMember(code=f"S{i:04d}", name=f"人员{i}", window=wins[i % windows])
                                             for i in range(windows * 2)])
    items = ServiceItem.objects.bulk_create([ServiceItem(code=f"I{i:03d}", name=f"事项{i}") for i in range(50)])
    now = timezone.now()
    done = now - dt.timedelta(minutes=30)
    ids = [f"{prefix}{i:08d}" for i in range(n)]
    batch = []
    for i, tid in enumerate(ids):
        w = wins[i % windows]
        batch.append(Transaction(
            external_id=tid, service_item=items[i % 50], hall_id=w.hall_id, window=w, staff=staff[i % len(staff)],
            channel="onsite", accepted_at=done - dt.timedelta(minutes=20), completed_at=done, promised_days=1,
            rate_until=done + dt.timedelta(days=7), period=month_start(done), content_hash="0" * 64,
        ))
        if len(batch) == 5000:
            Transaction.objects.bulk_create(batch)
            batch = []
    Transaction.objects.bulk_create(batch)
    return ids


class Server:
    """`kaoping serve` in its own process group."""

    def __init__(self, url: str, workers: int | None = None):
        self.port = free_port()
        self.env = server_env(url)
        # the server's log goes to a file: a pipe nobody reads fills up with the errors of a
        # database restart and then blocks every worker on its next write
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server; closed in stop()
        self.proc = subprocess.Popen(
            [str(BIN / "kaoping"), "serve", "--bind", f"127.0.0.1:{self.port}",
             *(["--workers", str(workers)] if workers else [])],
            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/api/v1/openapi.json")
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start")

    def log_tail(self, size: int = 3000) -> str:
        """The end of the server's log (for a failing test's message)."""
        self.log.seek(0, os.SEEK_END)
        self.log.seek(max(0, self.log.tell() - size))
        return self.log.read().decode(errors="replace")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def post(port: int, path: str, body: dict, token: str, key: str | None = None,
         timeout: float = 10.0) -> tuple[int, dict]:
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, data, headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


async def apost(port: int, path: str, body: dict, token: str, key: str | None = None,
                timeout: float = 10.0) -> int:
    """:func:`post` for an asyncio load generator: one request on a new connection; the status.

    The answer is read to its end and must be JSON (a broken answer raises ``ValueError``).
    """
    import asyncio

    data = json.dumps(body).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\n" + (f"Idempotency-Key: {key}\r\n" if key else "")
            + f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n")
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(head.encode() + data)
        answer = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    if not status_line.startswith(b"HTTP/1."):
        raise ConnectionResetError("no HTTP answer")
    try:
        json.loads(rest.partition(b"\r\n\r\n")[2] or b"{}")
    except ValueError:
        raise ValueError(f"not a JSON answer: {answer[:600]!r}") from None
    return int(status_line.split()[1])
