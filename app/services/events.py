"""The event log: a numbered record of every change, per workshop, so that a screen that was away
catches up. The unit of work (app/services/uow.py) writes each change's event in the change's own
transaction and, once committed, hands it to the publishers (the live broker)."""

import json
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
