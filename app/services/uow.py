"""The one unit of work: every change a user makes runs through here, and nowhere else commits.

A change is a service function whose first parameter is a `Change`:

    def cast_vote(change: Change, principal: Principal, item_id: int) -> int:
        workshop, item = change.lock_item(item_id)   # lock the workshop, read under the lock
        ...                                          # checks, then writes through change.session
        change.log("vote.cast", item_id=item_id)     # exactly one event
        return left

and a face runs it with `await submit(voting.cast_vote, principal, item_id)` (from the event loop)
or `run(...)` (from a thread: tests, scripts, sync routes). The rules:

- **One lane.** A process has one writer thread per database: changes run one at a time, in the
  order they arrived, so writers queue instead of polling SQLite's busy handler, and nothing that
  waits for a thread or for the event loop ever holds a lock or a pooled connection (the lane
  holds both only while it runs changes, and it waits for nothing).
- **Group commit.** Changes that queued up while a transaction ran go into the next transaction
  together, each in a SAVEPOINT of its own: a refused change (a domain error) undoes only itself.
  Nobody hears "saved" before the commit that holds their change, and events are published only
  after it (on PostgreSQL the transaction also NOTIFYs the other workers and hosts, which
  PostgreSQL delivers exactly on commit; see app/live/log_broker.py).
- **Lock, then check.** `Change.lock` bumps the workshop's event counter: on PostgreSQL that row
  lock serialises changes to one workshop across workers and hosts; the new number is the
  change's event seq. Checks read the state under that lock.
- **One event per change.** `Change.log` writes the event in the same transaction. A change that
  logs nothing was a no-op: it is rolled back, so no event number is used.
- **Busy, not stuck.** More than MAX_QUEUE changes waiting, or a change that waited longer than
  MAX_WAIT_S, is answered with `Busy` (503 + Retry-After) without being run. A deadlock or a lost
  connection (a PostgreSQL restart) runs the change again, up to MAX_TRIES times.
"""

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, func, insert, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from app.config import get_settings
from app.db import Prepared, get_engine, run_sql
from app.models import Audit, Event, Item, Workshop
from app.services import events
from app.services.errors import Busy, DomainError, NotFound

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_QUEUE = 2000  # about two minutes of a full room's taps; past that, answer Busy at once
MAX_WAIT_S = 10.0  # a change that waited this long is refused rather than made late
MAX_BATCH = 100  # changes committed together at most
MAX_TRIES = 3


_WORKSHOP = Workshop.__table__  # type: ignore[attr-defined]
_ITEM = Item.__table__  # type: ignore[attr-defined]
# The lock, built once (SQLAlchemy caches the compiled statements): bump the event counter and
# answer the workshop's row as it is under the lock.
_BUMP = update(_WORKSHOP).values(event_seq=_WORKSHOP.c.event_seq + 1).returning(*_WORKSHOP.c)
_BUMP_WORKSHOP = Prepared(_BUMP.where(_WORKSHOP.c.id == bindparam("workshop_id")))
_BUMP_ITEMS_WORKSHOP = Prepared(
    _BUMP.where(
        _WORKSHOP.c.id
        == select(_ITEM.c.workshop_id).where(_ITEM.c.id == bindparam("item_id")).scalar_subquery()
    )
)
_INSERT_EVENT = Prepared(insert(Event.__table__))  # type: ignore[attr-defined]
# PostgreSQL: tell every worker and host, in the transaction itself, so it is heard exactly on
# commit (and never for a batch that is rolled back).
_NOTIFY = Prepared(select(func.pg_notify(bindparam("channel"), bindparam("payload"))))
# Each change in a savepoint of its own, by a fixed name (both databases stack savepoints of one
# name): plain SQL, so no per-change statement is compiled.
_BEGIN = "SAVEPOINT ks_change"
_KEEP = ("RELEASE SAVEPOINT ks_change",)
_UNDO = ("ROLLBACK TO SAVEPOINT ks_change", "RELEASE SAVEPOINT ks_change")


class Change:
    """What a change sees: its connection inside a savepoint of its own (`conn`, for the hot path's
    prebuilt Core statements), an ORM session on it when asked for (`session`), and the workshop
    it locked."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._session: Session | None = None
        self.locked: Any = None  # the workshop's row as the lock found it (a named tuple)
        self.workshop: Workshop | None = None
        self.event: events.LoggedEvent | None = None
        self.bookkeeping = False
        self.committed: list[Callable[[], None]] = []

    @property
    def session(self) -> Session:
        """The ORM on this change's connection, made on first use (dots and ratings need none)."""
        if self._session is None:
            self._session = Session(bind=self.conn, join_transaction_mode="create_savepoint")
            self._session.expire_on_commit = False
        return self._session

    def _finish(self, keep: bool) -> None:
        """Keep or undo what the change wrote. What it returns, or what an error it raised
        carries (a note as it is now), stays readable: out of the session before a rollback."""
        session = self._session
        if session is not None:
            if keep:
                session.commit()  # flushes, and releases the session's own savepoint
            else:
                session.expunge_all()
                session.rollback()
            session.close()
        for statement in _KEEP if keep else _UNDO:
            run_sql(self.conn, statement)

    def lock(self, workshop_id: int) -> Workshop:
        """Lock the workshop for this change and return it as it is now."""
        row = self._bump(_BUMP_WORKSHOP, {"workshop_id": workshop_id}, "No such workshop.", True)
        return self._workshop(row)

    def lock_item(self, item_id: int) -> tuple[Workshop, Item]:
        """Lock the note's workshop, then read the note under the lock."""
        row = self._bump(_BUMP_ITEMS_WORKSHOP, {"item_id": item_id}, "No such note.", True)
        item = self.session.get(Item, item_id, populate_existing=True)
        if item is None:
            raise NotFound("No such note.")
        return self._workshop(row), item

    def lock_row(self, item_id: int) -> Any:
        """The note's workshop locked, as a plain row of the workshop's columns: the lean form
        of `lock_item` for the room's hot path (dots, ratings), which reads with Core."""
        return self._bump(_BUMP_ITEMS_WORKSHOP, {"item_id": item_id}, "No such note.")

    def _bump(
        self, statement: Prepared, params: dict[str, int], missing: str, typed: bool = False
    ) -> Any:
        """The lock. `typed`: with SQLAlchemy's types applied to the row (dates as dates), to
        make the ORM's Workshop of it; else the driver's row, for the hot path's checks."""
        if self.locked is not None:
            # A change locks one workshop; asking again answers the same lock.
            return self.locked
        if typed:
            row = self.conn.execute(statement.statement, params).first()
        else:
            row = statement.first(self.conn, params)
        if row is None:
            raise NotFound(missing)
        self.locked = row
        return row

    def _workshop(self, row: Any) -> Workshop:
        """The ORM's Workshop from the row the lock answered, with no second read."""
        if self.workshop is None:
            key = self.session.identity_key(Workshop, row.id)
            known = self.session.identity_map.get(key)
            if known is not None:  # made in this change (a new workshop): already current
                self.workshop = known
            else:
                workshop = Workshop(**row._asdict())
                make_transient_to_detached(workshop)
                self.session.add(workshop)
                self.workshop = workshop
        assert self.workshop is not None
        return self.workshop

    def audit(
        self,
        role: str,
        action: str,
        *,
        item_id: int | None = None,
        field: str | None = None,
        before: Any = None,
        after: Any = None,
        via: str | None = None,
    ) -> None:
        """A line in the workshop's audit (and, with item_id and field, the note's history), in
        this change's transaction: a role, never a participant's name."""
        assert self.locked is not None, "lock first"
        self.session.add(
            Audit(
                workshop_id=self.locked.id,
                role=role,
                action=action,
                item_id=item_id,
                field=field,
                before=_plain(before),
                after=_plain(after),
                via=via,
            )
        )

    def after_commit(self, then: Callable[[], None]) -> None:
        """Run `then` once the transaction holding this change has committed (never if not)."""
        self.committed.append(then)

    def keep_without_event(self) -> None:
        """Commit this change although it logs no event: bookkeeping that no screen shows (rate
        limit counters), kept also when the change then refuses with a domain error (a wrong
        join code is counted and refused). Board changes always log their event instead."""
        self.bookkeeping = True

    def log(self, name: str, /, **data: Any) -> events.LoggedEvent:
        """The change's event, in its transaction; once per change, after `lock`."""
        assert self.locked is not None, "lock first"
        assert self.event is None, "one event per change"
        self.event = events.LoggedEvent(self.locked.id, self.locked.event_seq, name, data)
        _INSERT_EVENT.run(self.conn, events.row_values(self.event))
        return self.event


def _plain(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@dataclass(eq=False)
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    future: Future[Any] = field(default_factory=Future)
    queued_at: float = field(default_factory=time.monotonic)
    tries: int = 0


class _Broken(Exception):
    """The connection went away mid-batch: nothing of the batch is saved."""


class Writer:
    """The lane of one database in this process (see the module's docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._jobs: deque[_Job] = deque()
        self._ready = threading.Condition()
        self._stopping = False
        # The lane's own connection, kept between batches: no pool checkout and no ping per
        # batch (on PostgreSQL the ping was a sixth of the lane's time). Dropped on any error.
        self._conn: Connection | None = None
        self._thread = threading.Thread(target=self._loop, name="ks-writer", daemon=True)
        self._thread.start()
        self.batches = 0  # counted for tests and benchmarks
        self.changes = 0

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if threading.current_thread() is self._thread:
            raise RuntimeError("a change cannot wait for another change")
        job = _Job(fn, args, kwargs)
        with self._ready:
            if self._stopping:
                raise Busy("The server is restarting. Try again in a moment.")
            if len(self._jobs) >= MAX_QUEUE:
                raise Busy("Many people are doing this at once. Try again in a moment.")
            self._jobs.append(job)
            self._ready.notify()
        return job.future

    @property
    def waiting(self) -> int:
        return len(self._jobs)

    def stop(self, timeout: float = 5.0) -> None:
        with self._ready:
            self._stopping = True
            self._ready.notify()
        self._thread.join(timeout)
        while self._jobs:
            self._jobs.popleft().future.set_exception(
                Busy("The server is restarting. Try again in a moment.")
            )

    def _loop(self) -> None:
        while True:
            with self._ready:
                while not self._jobs and not self._stopping:
                    self._ready.wait()
                if self._stopping:
                    self._drop_connection(broken=False)
                    return
                batch = [self._jobs.popleft() for _ in range(min(MAX_BATCH, len(self._jobs)))]
            try:
                self._run(batch)
            except Exception:  # the lane must outlive any one batch
                log.exception("a batch of changes failed")
                self._drop_connection()
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(Busy("Something went wrong. Try again."))

    def _run(self, batch: list[_Job]) -> None:
        now = time.monotonic()
        ready: list[_Job] = []
        for job in batch:
            # A job run again after a lost batch is running already.
            if not job.future.running() and not job.future.set_running_or_notify_cancel():
                continue  # the caller is gone and was told nothing
            if now - job.queued_at > MAX_WAIT_S:
                job.future.set_exception(
                    Busy("Many people are doing this at once. Try again in a moment.")
                )
                continue
            ready.append(job)
        if not ready:
            return
        done: list[tuple[_Job, Any, Change]] = []
        failed: list[tuple[_Job, BaseException]] = []
        again: list[_Job] = []
        try:
            conn = self._connection()
            with conn.begin():
                for job in ready:
                    self._one(conn, job, done, failed, again)
                self._announce(conn, done)
        except (_Broken, OperationalError) as exc:
            self._drop_connection()
            # Nothing of this batch was saved: run all of it again (up to MAX_TRIES each) — also
            # the jobs it never reached (the connection failed at BEGIN, or mid-batch).
            log.warning("the database went away during a batch of changes: %s", exc)
            refused = {id(job) for job, _ in failed}
            self._again([job for job in ready if id(job) not in refused], pause=True)
            for job, error in failed:
                job.future.set_exception(error)
            return
        self.batches += 1
        self.changes += len(done)
        for _, _, change in done:
            for then in change.committed:
                then()
        events.publish([change.event for _, _, change in done if change.event is not None])
        for job, value, _ in done:
            job.future.set_result(value)
        for job, error in failed:
            job.future.set_exception(error)
        self._again(again)

    def _connection(self) -> Connection:
        if self._conn is None:
            # BEGIN IMMEDIATE on SQLite (app/db.py reads ks_write)
            self._conn = self.engine.connect().execution_options(ks_write=True)
        return self._conn

    def _drop_connection(self, broken: bool = True) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                if broken:
                    conn.invalidate()
                conn.close()
            except Exception:  # already gone: nothing to give back
                log.debug("closing the lane's connection failed", exc_info=True)

    def _announce(self, conn: Connection, done: list[tuple[_Job, Any, Change]]) -> None:
        if conn.dialect.name != "postgresql":
            return  # SQLite: one host; the other workers poll the log
        payload = events.announcement([c.event for _, _, c in done if c.event is not None])
        if payload is not None:  # a lost connection here reruns the batch, like any statement
            _NOTIFY.run(conn, {"channel": events.CHANNEL, "payload": payload})

    def _one(
        self,
        conn: Any,
        job: _Job,
        done: list[tuple[_Job, Any, Change]],
        failed: list[tuple[_Job, BaseException]],
        again: list[_Job],
    ) -> None:
        run_sql(conn, _BEGIN)
        change = Change(conn)
        try:
            value = job.fn(change, *job.args, **job.kwargs)
            # A change that logged nothing was a no-op: undone, so no event number is used.
            change._finish(keep=change.event is not None or change.bookkeeping)
            done.append((job, value, change))
        except OperationalError as exc:
            if exc.connection_invalidated:
                again.append(job)
                raise _Broken(str(exc)) from exc
            change._finish(keep=False)
            again.append(job)  # a deadlock between workers: one of the two runs again
        except Exception as exc:
            # A refusal keeps only bookkeeping the change asked to keep (and it logged nothing).
            keep = change.bookkeeping and change.event is None and isinstance(exc, DomainError)
            change._finish(keep=keep)
            failed.append((job, exc))

    def _again(self, jobs: list[_Job], pause: bool = False) -> None:
        retry = []
        for job in jobs:
            job.tries += 1
            if job.tries >= MAX_TRIES:
                job.future.set_exception(Busy("The database did not answer. Try again."))
            else:
                retry.append(job)
        if not retry:
            return
        if pause:
            time.sleep(0.2 * max(job.tries for job in retry))
        with self._ready:
            # Back to the front, in their order: they were first.
            self._jobs.extendleft(reversed(retry))
            for job in retry:
                job.queued_at = time.monotonic()
            self._ready.notify()


_writers: dict[str, Writer] = {}
_writers_lock = threading.Lock()


def writer() -> Writer:
    """This process's lane for the configured database."""
    key = get_settings().database_url
    lane = _writers.get(key)
    if lane is None:
        with _writers_lock:
            lane = _writers.get(key)
            if lane is None:
                lane = _writers[key] = Writer(get_engine())
    return lane


def stop_writers() -> None:
    with _writers_lock:
        lanes = list(_writers.values())
        _writers.clear()
    for lane in lanes:
        lane.stop()


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Make a change and wait for it, from a thread that is not the event loop."""
    future: Future[T] = writer().submit(fn, args, kwargs)
    return future.result()


async def submit(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Make a change from the event loop; the loop is free while the change waits its turn."""
    future: Future[T] = writer().submit(fn, args, kwargs)
    return await asyncio.wrap_future(future)
