"""The servers and the database a bench/live.py run owns: started fresh, always stopped or dropped.

- `scratch_database(url)`: a fresh SQLite file in a temp folder (url None), or a fresh, uniquely
  named database on the PostgreSQL server a `postgresql://` url points at, dropped at the end. A
  run never touches existing data.
- `Servers`: uvicorn subprocesses (the app, the baseline), each in its own process group with its
  log in a temp file; `stop_all` terminates, then kills, whatever is still running.
"""

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class Database:
    url: str  # what the app gets as DATABASE_URL
    label: str  # what the report says


def _admin_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


@contextmanager
def scratch_database(url: str | None) -> Iterator[Database]:
    if url is None or url.startswith("sqlite"):
        folder = tempfile.mkdtemp(prefix="ks-live-db-")
        try:
            yield Database(f"sqlite:///{folder}/live.db", "SQLite (fresh temp file)")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if not url.startswith(("postgresql", "postgres")):
        raise SystemExit(f"--database-url: sqlite or postgresql, not {url.split(':', 1)[0]}")
    import psycopg  # deferred: SQLite runs need no driver

    admin = _admin_url(url)
    name = f"ks_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'create database "{name}"')
    parts = urlsplit(admin)
    app_url = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield Database(app_url, f"PostgreSQL {parts.hostname}:{parts.port or 5432} (fresh {name})")
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'drop database if exists "{name}" with (force)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Servers:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ks-live-logs-"))
        self.running: list[Server] = []

    def migrate(self, database: Database) -> None:
        """Upgrade the schema once, before several workers would race to do it."""
        subprocess.run(
            [sys.executable, "-m", "app.migrations"],
            cwd=ROOT,
            env=self._env(database),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def _env(self, database: Database | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_URL", "ADMIN_PASSWORD")}
        if database is not None:
            env["DATABASE_URL"] = database.url
        env.setdefault("KS_JOIN_LIMIT", "1000000")  # a thousand phones join from one address
        return env

    def start(self, name: str, module: str, workers: int, database: Database | None) -> Server:
        port = free_port()
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    module,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                    "--timeout-graceful-shutdown",
                    "3",
                ],
                cwd=ROOT,
                env=self._env(database),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the benchmark, which stops it
            )
        server = Server(name, port, process, log)
        self.running.append(server)
        return server

    def wait_ready(self, server: Server, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited: {self.log_tail(server)}")
            try:
                if httpx.get(server.base + path, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{server.name} not ready after {timeout:.0f} s")

    def stop(self, server: Server) -> None:
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGTERM)
            try:
                server.process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                os.killpg(server.process.pid, signal.SIGKILL)
                server.process.wait(STOP_GRACE_S)
        if server in self.running:
            self.running.remove(server)

    def stop_all(self) -> None:
        for server in list(self.running):
            try:
                self.stop(server)
            except ProcessLookupError:
                self.running.remove(server)

    def log_tail(self, server: Server, lines: int = 20) -> str:
        return "\n".join(server.log.read_text(errors="replace").splitlines()[-lines:])

    def problems(self, server: Server) -> tuple[int, list[str]]:
        """Tracebacks in the server's log, and the distinct last lines of each (what was
        raised)."""
        text = server.log.read_text(errors="replace").splitlines()
        count, raised = 0, []
        for i, line in enumerate(text):
            if line.startswith("Traceback"):
                count += 1
                tail = next(
                    (x for x in text[i + 1 :] if x and not x.startswith((" ", "Traceback"))), ""
                )
                if tail and tail not in raised:
                    raised.append(tail)
        return count, raised

    def clean_up(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
