"""The app as users meet it: uvicorn in a process of its own (one or several workers) on the test
database, for tests that must go through a real server over HTTP."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.config import ROOT


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[1]

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(server: LiveServer, deadline_s: float = 30.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if server.process.poll() is not None:
            raise RuntimeError(f"uvicorn exited:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"uvicorn did not answer /healthz:\n{server.log_tail()}")


def start_server(
    database_url: str,
    log: Path,
    workers: int = 1,
    port: int | None = None,
    args: tuple[str, ...] = ("--no-proxy-headers",),
    **env: str,
) -> LiveServer:
    """Start uvicorn and wait until it answers; on a port taken meanwhile, try another. `args`
    go to uvicorn: by default it trusts no X-Forwarded-For, as `make run` without a proxy."""
    python = ROOT / ".venv" / "bin" / "python"
    environ = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ADMIN_PASSWORD": "",
        "PUBLIC_URL": "",
        **env,
    }
    for _attempt in range(3):
        chosen = port or free_port()
        with log.open("ab") as out:
            process = subprocess.Popen(
                [
                    str(python if python.exists() else sys.executable),
                    "-m",
                    "uvicorn",
                    "app.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(chosen),
                    "--workers",
                    str(workers),
                    "--timeout-graceful-shutdown",
                    "1",
                    "--log-level",
                    "warning",
                    *args,
                ],
                cwd=ROOT,
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = LiveServer(f"http://127.0.0.1:{chosen}", process, log)
        try:
            wait_healthy(server)
        except RuntimeError:
            stop_server(server)
            if port is None and "address already in use" in server.log_tail().lower():
                continue
            raise
        return server
    raise RuntimeError("no free port for uvicorn")


def stop_server(server: LiveServer, kill: bool = False) -> None:
    process = server.process
    if process.poll() is not None:
        return
    if kill:
        process.kill()
    else:
        process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def running_server(
    database_url: str,
    log: Path,
    workers: int = 1,
    args: tuple[str, ...] = ("--no-proxy-headers",),
    **env: str,
) -> Iterator[LiveServer]:
    server = start_server(database_url, log, workers=workers, args=args, **env)
    try:
        yield server
    finally:
        stop_server(server)
