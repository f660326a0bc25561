"""The event log: a numbered record of every change, per workshop, so that a screen that was away
catches up. The unit of work (app/services/uow.py) writes each change's event in the change's own
transaction and, once committed, hands it to the publishers (the live broker)."""

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.models import Event, utcnow


@dataclass(frozen=True)
class LoggedEvent:
    workshop_id: int
    seq: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def json(self) -> str:
        return json.dumps(self.data, separators=(",", ":"), default=str)


def row_values(logged: LoggedEvent) -> dict[str, Any]:
    """The event's row in the log."""
    return {
        "workshop_id": logged.workshop_id,
        "seq": logged.seq,
        "kind": logged.kind,
        "data": logged.json(),
        "created_at": utcnow(),
    }


def events_since(
    session: Session, workshop_id: int, after_seq: int, limit: int = 1000
) -> list[LoggedEvent]:
    rows = session.exec(
        select(Event)
        .where(Event.workshop_id == workshop_id, Event.seq > after_seq)
        .order_by(col(Event.seq))
        .limit(limit)
    ).all()
    return [LoggedEvent(r.workshop_id, r.seq, r.kind, json.loads(r.data)) for r in rows]


# PostgreSQL: each commit that holds events NOTIFYs this channel (app/live/log_broker.py).
CHANNEL = "ks_events"
_origins: dict[int, str] = {}


def origin() -> str:
    """This process, as NOTIFY payloads name it: its own events reach its screens without the
    round trip. Per pid, so forked workers differ; with a random part, so hosts do too."""
    pid = os.getpid()
    if pid not in _origins:
        _origins[pid] = f"{pid}-{secrets.token_hex(4)}"
    return _origins[pid]


def announcement(committed: list[LoggedEvent]) -> str | None:
    """The NOTIFY payload for a commit: `origin|workshop:seq,…`, each workshop's newest event
    only (a listener reads the ones before it from the log). At most a batch's worth of
    workshops, well inside PostgreSQL's 8,000 bytes."""
    newest: dict[int, int] = {}
    for logged in committed:
        newest[logged.workshop_id] = max(logged.seq, newest.get(logged.workshop_id, 0))
    if not newest:
        return None
    return origin() + "|" + ",".join(f"{wid}:{seq}" for wid, seq in newest.items())


_publishers: list[Callable[[LoggedEvent], None]] = []


def add_publisher(publish: Callable[[LoggedEvent], None]) -> None:
    """Committed events go to `publish(event)` (the live broker), in commit order. One per app;
    a list so that several apps in one process (tests) each get them."""
    _publishers.append(publish)


def remove_publisher(publish: Callable[[LoggedEvent], None]) -> None:
    if publish in _publishers:
        _publishers.remove(publish)


def publish(committed: list[LoggedEvent]) -> None:
    """Called by the unit of work after the commit that holds these events, never before."""
    for logged in committed:
        for publisher in list(_publishers):
            publisher(logged)
