"""Two real uvicorn workers on the test database: every screen hears every change, whichever
worker its stream and the change went through, in the event log's order and with no gaps; also
when a change's signal is lost, and (PostgreSQL) when the database drops every connection."""

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import text

from app.db import get_engine
from app.live.log_broker import APPLICATION_NAME
from tests.conftest import DB_KIND, PG_ADMIN_URL
from tests.servers import LiveServer, running_server

WAIT = 20.0  # seconds: generous, this is not a timing test (bench/live.py measures fan-out)
SCREENS = 12

on_postgres = pytest.mark.skipif(DB_KIND != "postgresql", reason="PostgreSQL's connections")


@pytest.fixture(scope="module")
def two_workers(
    database_url: str, migrated: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    log: Path = tmp_path_factory.mktemp("workers") / "uvicorn.log"
    # PostgreSQL: no backstop poll within a test's time, so only NOTIFY and reading the log on
    # a gap or a new connection can bring a change that another worker made.
    env = {"KS_LIVE_POLL_S": "600"} if DB_KIND == "postgresql" else {}
    with running_server(database_url, log, workers=2, **env) as server:
        yield server
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text()[-3000:]


def worker_pids(server: LiveServer) -> set[int]:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return {int(pid) for pid in children.read_text().split()}


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def serving_worker(server: LiveServer, client_port: int) -> int | None:
    """The worker process that holds the server side of the connection from `client_port`."""
    wanted = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        remote_port = int(fields[2].split(":")[1], 16)
        if local_port == server.port and remote_port == client_port:
            wanted = fields[9]
    if wanted is None:
        return None
    return next((pid for pid in worker_pids(server) if wanted in _socket_inodes(pid)), None)


class Screen:
    """One listening API stream in a thread: what it heard, in the order it heard it."""

    def __init__(self, server: LiveServer, workshop_id: int, token: str) -> None:
        self.heard: list[tuple[int, str, dict]] = []
        self.client_port = 0
        self._connected = threading.Event()
        url = f"{server.url}/api/v1/workshops/{workshop_id}/events"
        headers = {"Authorization": f"Bearer {token}"}
        threading.Thread(target=self._read, args=(url, headers), daemon=True).start()
        assert self._connected.wait(WAIT), "the stream did not open"

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(5, read=None)) as client,
                client.stream("GET", url, headers=headers) as response,
            ):
                stream = response.extensions["network_stream"]
                self.client_port = stream.get_extra_info("client_addr")[1]
                event: dict[str, str] = {}
                for line in response.iter_lines():
                    if line.startswith(":") and "connected" in line:
                        self._connected.set()
                    elif not line and "id" in event:
                        self.heard.append(
                            (int(event["id"]), event["event"], json.loads(event["data"]))
                        )
                        event = {}
                    elif line and not line.startswith(":"):
                        key, _, value = line.partition(":")
                        event[key] = value.lstrip()
        except httpx.HTTPError:
            return  # the server stops at the end of the module

    def notes(self) -> list[int]:
        return [data["item_id"] for _, kind, data in self.heard if kind == "item.created"]


def open_screens(server: LiveServer, w) -> list[Screen]:
    tokens = [w.facilitator_token, w.board_token] + [p.token for p in w.participants]
    screens = [Screen(server, w.id, tokens[i % len(tokens)]) for i in range(SCREENS)]
    serving = {serving_worker(server, s.client_port) for s in screens}
    assert len(serving - {None}) == 2, f"the screens' streams did not reach both workers: {serving}"
    return screens


def post_note(server: LiveServer, w, i: int) -> int:
    """Through a connection of its own: the kernel hands it to either worker."""
    member = w.participants[i % len(w.participants)]
    with httpx.Client(base_url=server.url, timeout=30) as client:
        answer = client.post(
            f"/api/v1/workshops/{w.id}/items",
            json={"kind": "situation", "focus_area_id": w.area(i % 3), "text": f"Iakttagelse {i}"},
            headers=member.headers,
        )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def counter(w) -> int:
    with get_engine().connect() as conn:
        return int(
            conn.execute(
                text("select event_seq from workshop where id = :id"), {"id": w.id}
            ).scalar_one()
        )


def wait_for(screens: list[Screen], notes: list[int]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if all(notes[-1] in s.notes() for s in screens):
            return
        time.sleep(0.05)


def assert_in_order_without_gaps(screens: list[Screen], after: int, upto: int) -> None:
    """Every screen heard exactly after+1 … upto, once each, in that order."""
    expected = list(range(after + 1, upto + 1))
    for n, screen in enumerate(screens):
        seqs = [seq for seq, _, _ in screen.heard if seq > after]
        assert seqs == expected, f"screen {n} heard {seqs}, the log holds {expected}"


def test_every_screen_on_either_worker_hears_every_note_in_order(
    two_workers: LiveServer, make_workshop
) -> None:
    w = make_workshop(participants=4, stage="situation")
    screens = open_screens(two_workers, w)
    before = counter(w)
    notes = [post_note(two_workers, w, i) for i in range(20)]
    wait_for(screens, notes)
    for screen in screens:
        assert screen.notes() == notes
    assert_in_order_without_gaps(screens, before, counter(w))


def _silent_event(w) -> int:
    """An event in the log that no worker is told about (as if its NOTIFY were lost, or another
    host's process wrote it): a worker finds it only by reading the log."""
    with get_engine().begin() as conn:
        seq = int(
            conn.execute(
                text(
                    "update workshop set event_seq = event_seq + 1 where id = :id "
                    "returning event_seq"
                ),
                {"id": w.id},
            ).scalar_one()
        )
        conn.execute(
            text(
                "insert into event (workshop_id, seq, kind, data, created_at) "
                "values (:id, :seq, 'timer', '{\"action\": \"pause\"}', current_timestamp)"
            ),
            {"id": w.id, "seq": seq},
        )
    return seq


def test_an_event_nobody_announced_reaches_every_screen_before_the_next(
    two_workers: LiveServer, make_workshop
) -> None:
    w = make_workshop(participants=4, stage="situation")
    screens = open_screens(two_workers, w)
    before = counter(w)
    silent = _silent_event(w)
    # PostgreSQL: the next change's NOTIFY says before+2 while every worker last gave out
    # `before`: each reads the gap from the log first.
    note = post_note(two_workers, w, 0)
    wait_for(screens, [note])
    for screen in screens:
        heard = [(seq, kind) for seq, kind, _ in screen.heard if seq > before]
        assert heard == [(silent, "timer"), (silent + 1, "item.created")]


def _drop_connections(only_listeners: bool) -> int:
    """What a PostgreSQL restart does to the app: its connections are closed under it."""
    database = get_engine().url.database
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        return len(
            admin.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where datname = %s and pid <> pg_backend_pid() "
                "and (application_name like %s or not %s)",
                (database, f"{APPLICATION_NAME} %", only_listeners),
            ).fetchall()
        )


def listeners(pids: set[int]) -> int:
    """The LISTEN connections of these worker processes (other servers of the test run may
    listen on the same database)."""
    database = get_engine().url.database
    names = [f"{APPLICATION_NAME} {pid}" for pid in pids]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        row = admin.execute(
            "select count(*) from pg_stat_activity where datname = %s "
            "and application_name = any(%s)",
            (database, names),
        ).fetchone()
    assert row is not None
    return int(row[0])


@on_postgres
@pytest.mark.parametrize("only_listeners", [True, False], ids=["listeners", "every-connection"])
def test_screens_catch_up_after_the_database_drops_the_connections(
    two_workers: LiveServer, make_workshop, only_listeners: bool
) -> None:
    w = make_workshop(participants=4, stage="situation")
    screens = open_screens(two_workers, w)
    pids = worker_pids(two_workers)
    assert listeners(pids) == 2
    before = counter(w)
    notes = [post_note(two_workers, w, 0)]
    assert _drop_connections(only_listeners) >= 2
    # Changes while the workers are deaf (or just LISTENing again): their NOTIFYs may reach
    # nobody; the workers read the log once they listen again.
    notes += [post_note(two_workers, w, i) for i in range(1, 6)]
    deadline = time.monotonic() + WAIT
    while listeners(pids) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert listeners(pids) == 2  # each worker LISTENs again
    notes += [post_note(two_workers, w, i) for i in range(6, 10)]
    wait_for(screens, notes)
    for screen in screens:
        assert screen.notes() == notes
    assert_in_order_without_gaps(screens, before, counter(w))
    assert worker_pids(two_workers) == pids  # no worker crashed (and none was started anew)
