"""Brokers for several workers and hosts: the event log is the source of truth.

Each worker follows the log for the workshops its screens listen to, and hands every event to
them once, in seq order, with no gaps. How a worker learns that there is something new:

- its own changes: the unit of work publishes them after commit (no read needed);
- PostgreSQL (`PgBroker`): the commit that holds a change NOTIFYs `ks_events` with only the
  workshop and the newest event number; one listening connection per worker hears it;
- SQLite (`LogBroker`, one host): a cheap poll of the workshops' event counters, one indexed
  query for all the workshops this worker has screens for.

Whatever the signal, a worker that is told of event n while it last delivered m < n - 1 reads
m+1 … n from the log before going on. Commits of one workshop are in seq order (the lock is the
workshop's row, held until commit), so once n is committed, everything before it is too. After
a lost connection the PostgreSQL broker LISTENs again (with backoff) and then reads the counters,
so what was committed while it was deaf is read from the log; a slow poll backs it up.
"""

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import psycopg
from sqlmodel import col, select

from app.db import reading
from app.live.broker import Listener, call_on
from app.models import Workshop
from app.services import events
from app.services.events import LoggedEvent

log = logging.getLogger(__name__)

PAGE = 1000  # events read from the log at a time
START_TIMEOUT_S = 10.0  # a stream waits this long for its workshop's starting point
# The LISTEN connections, as pg_stat_activity names them ("kraftsamla-listen <worker pid>").
APPLICATION_NAME = "kraftsamla-listen"
BACKOFF_S = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


def _current_seqs(workshop_ids: list[int]) -> list[tuple[int, int]]:
    with reading() as session:
        rows = session.exec(
            select(Workshop.id, Workshop.event_seq).where(col(Workshop.id).in_(workshop_ids))
        ).all()
    return [(int(wid), int(seq)) for wid, seq in rows if wid is not None]


def _read(workshop_id: int, after: int) -> list[LoggedEvent]:
    logged: list[LoggedEvent] = []
    with reading() as session:
        while page := events.events_since(session, workshop_id, after, limit=PAGE):
            logged.extend(page)
            after = page[-1].seq
            if len(page) < PAGE:
                break
    return logged


@dataclass(eq=False)
class _Follow:
    """One workshop this worker has screens for."""

    listeners: set[Listener] = field(default_factory=set)
    last: int = 0  # the last event handed to the listeners (valid once `started`)
    known: int = 0  # the newest event known to be committed
    own: dict[int, LoggedEvent] = field(default_factory=dict)  # ours, committed, not yet handed on
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    task: "asyncio.Task[None] | None" = None


class LogBroker:
    """Follows the event log: own events at once, others' by polling the workshops' counters
    every `poll_s` seconds (SQLite: all workers on one host share the file)."""

    def __init__(self, poll_s: float = 0.15) -> None:
        self.poll_s = poll_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._follows: dict[int, _Follow] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.reads = 0  # log reads, counted for tests and benchmarks

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._tasks.append(asyncio.create_task(self._poll_loop()))

    async def stop(self) -> None:
        tasks = [*self._tasks, *(f.task for f in self._follows.values() if f.task is not None)]
        self._tasks.clear()
        self._follows.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # --- what the hub uses -------------------------------------------------------------------

    def listen(self, workshop_id: int, listener: Listener) -> Callable[[], None]:
        follow = self._follows.get(workshop_id)
        if follow is None:
            follow = self._follows[workshop_id] = _Follow()
            follow.task = asyncio.create_task(self._follow(workshop_id, follow))
        follow.listeners.add(listener)

        def unlisten() -> None:
            follow.listeners.discard(listener)
            if not follow.listeners and self._follows.get(workshop_id) is follow:
                del self._follows[workshop_id]
                if follow.task is not None:
                    follow.task.cancel()

        return unlisten

    async def ready(self, workshop_id: int) -> None:
        """Wait until the worker knows where the workshop's log stands: every event committed
        after this returns reaches the listeners."""
        follow = self._follows.get(workshop_id)
        if follow is None:
            return
        if follow.started.is_set():
            # Already followed: check the counter once more, for a log that started again from
            # nothing (a test that emptied the tables; a database restored from a backup).
            with contextlib.suppress(Exception):  # the database away: the stream will say so
                for wid, seq in await anyio.to_thread.run_sync(_current_seqs, [workshop_id]):
                    self._observed(wid, seq)
        else:
            await asyncio.wait_for(follow.started.wait(), START_TIMEOUT_S)

    def publish(self, event: LoggedEvent) -> None:
        """This worker's own committed events, from the unit of work's thread."""
        call_on(self._loop, self._own, event)

    # --- following ---------------------------------------------------------------------------

    def _own(self, event: LoggedEvent) -> None:
        follow = self._follows.get(event.workshop_id)
        if follow is None or (follow.started.is_set() and event.seq <= follow.last):
            return
        follow.own[event.seq] = event
        self.heard(event.workshop_id, event.seq)

    def heard(self, workshop_id: int, seq: int) -> None:
        """Event `seq` of the workshop is committed (and so is every one before it)."""
        follow = self._follows.get(workshop_id)
        if follow is not None and seq > follow.known:
            follow.known = seq
            follow.wake.set()

    async def _follow(self, workshop_id: int, follow: _Follow) -> None:
        tries = 0
        while not follow.started.is_set():
            try:
                found = await anyio.to_thread.run_sync(_current_seqs, [workshop_id])
            except Exception as exc:
                log.warning("reading where workshop %s stands failed: %s", workshop_id, exc)
                await asyncio.sleep(BACKOFF_S[min(tries, len(BACKOFF_S) - 1)])
                tries += 1
                continue
            follow.last = found[0][1] if found else 0
            follow.known = max(follow.known, follow.last)
            follow.started.set()
        tries = 0
        while True:
            await follow.wake.wait()
            follow.wake.clear()
            try:
                await self._catch_up(workshop_id, follow)
                tries = 0
            except Exception as exc:  # the database went away: try again, nothing is skipped
                log.warning("reading workshop %s's events failed: %s", workshop_id, exc)
                await asyncio.sleep(BACKOFF_S[min(tries, len(BACKOFF_S) - 1)])
                tries += 1
                follow.wake.set()

    async def _catch_up(self, workshop_id: int, follow: _Follow) -> None:
        while follow.known > follow.last:
            following = follow.own.pop(follow.last + 1, None)
            if following is not None:  # ours, next in line: no read needed
                self._deliver(follow, following)
                continue
            target = follow.known  # committed, and so is everything before it
            self.reads += 1
            for logged in await anyio.to_thread.run_sync(_read, workshop_id, follow.last):
                if logged.seq > follow.last:
                    self._deliver(follow, follow.own.pop(logged.seq, logged))
            # A number below `target` that the log does not hold was never logged.
            follow.last = max(follow.last, target)
            for seq in [seq for seq in follow.own if seq <= follow.last]:
                del follow.own[seq]

    def _deliver(self, follow: _Follow, event: LoggedEvent) -> None:
        follow.last = event.seq
        for listener in list(follow.listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a listener failed on event %s", event.seq)

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            await self.poll()

    async def poll(self) -> None:
        """Read the counters of the workshops with screens here; wake those that moved."""
        started = [wid for wid, f in self._follows.items() if f.started.is_set()]
        if not started:
            return
        try:
            found = await anyio.to_thread.run_sync(_current_seqs, started)
        except Exception as exc:
            log.warning("polling the event log failed: %s", exc)
            return
        for workshop_id, seq in found:
            self._observed(workshop_id, seq)

    def _observed(self, workshop_id: int, seq: int) -> None:
        """The workshop's counter as read from the database."""
        follow = self._follows.get(workshop_id)
        if follow is not None and follow.started.is_set() and seq < follow.last:
            log.warning(
                "workshop %s's event log went back to %s: following from there", workshop_id, seq
            )
            follow.last = follow.known = seq
            follow.own.clear()
        self.heard(workshop_id, seq)


class PgBroker(LogBroker):
    """PostgreSQL: one LISTEN connection per worker hears every commit's NOTIFY (sent in the
    change's own transaction by the unit of work). The poll only backs it up."""

    def __init__(self, database_url: str, poll_s: float = 5.0) -> None:
        super().__init__(poll_s)
        self.dsn = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.listening = asyncio.Event()
        self.connects = 0  # LISTEN connections made, counted for tests

    async def start(self) -> None:
        await super().start()
        self._tasks.append(asyncio.create_task(self._listen_loop()))

    async def _listen_loop(self) -> None:
        tries = 0
        while True:
            connects = self.connects
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("the LISTEN connection failed (%s); again shortly", exc)
            self.listening.clear()
            tries = 0 if self.connects > connects else tries + 1
            await asyncio.sleep(BACKOFF_S[min(tries, len(BACKOFF_S) - 1)])

    async def _listen(self) -> None:
        conn = await psycopg.AsyncConnection.connect(
            self.dsn,
            autocommit=True,
            connect_timeout=5,
            application_name=f"{APPLICATION_NAME} {os.getpid()}",
        )
        async with conn:
            await conn.execute(f"LISTEN {events.CHANNEL}")
            self.connects += 1
            self.listening.set()
            # Whatever was committed while nobody listened is read from the log.
            await self.poll()
            while True:
                async for notify in conn.notifies(timeout=30):
                    self._heard_payload(notify.payload)
                # Quiet for a while: make sure the connection is still there.
                await asyncio.wait_for(conn.execute("SELECT 1"), 10)

    def _heard_payload(self, payload: str) -> None:
        origin, _, pairs = payload.partition("|")
        if origin == events.origin():
            return  # our own: published to us after the commit
        for pair in pairs.split(","):
            workshop, _, seq = pair.partition(":")
            if workshop.isdigit() and seq.isdigit():
                self.heard(int(workshop), int(seq))
