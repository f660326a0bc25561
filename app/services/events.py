"""The event log. Every change a user makes runs in one short transaction that starts with
`begin_change`: it bumps the workshop's event counter (the row lock it takes serialises changes
to one workshop on PostgreSQL; SQLite write transactions begin IMMEDIATE) and writes the change's
event in the same transaction. After commit, the event goes to the live broker.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models import Event, Workshop
from app.services.errors import NotFound

PENDING = "ks_pending_events"


@dataclass(frozen=True)
class LoggedEvent:
    workshop_id: int
    seq: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def json(self) -> str:
        return json.dumps(self.data, separators=(",", ":"), default=str)


def begin_change(session: Session, workshop_id: int) -> Workshop:
    """Lock the workshop for this change and return it, fresh from the database."""
    result = session.execute(
        update(Workshop)
        .where(col(Workshop.id) == workshop_id)
        .values(event_seq=Workshop.event_seq + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("No such workshop.")
    workshop = session.exec(
        select(Workshop).where(Workshop.id == workshop_id).execution_options(populate_existing=True)
    ).one()
    return workshop


def log(session: Session, workshop: Workshop, name: str, **data: Any) -> LoggedEvent:
    """Write the change's event; call once per change, after begin_change."""
    assert workshop.id is not None
    logged = LoggedEvent(workshop.id, workshop.event_seq, name, data)
    session.add(Event(workshop_id=workshop.id, seq=logged.seq, kind=name, data=logged.json()))
    session.info.setdefault(PENDING, []).append(logged)
    return logged


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
    """Committed events go to `publish(event)` (the live broker); rolled-back ones are dropped.
    One per app; a list so that several apps in one process (tests) each get them."""
    _publishers.append(publish)


def remove_publisher(publish: Callable[[LoggedEvent], None]) -> None:
    if publish in _publishers:
        _publishers.remove(publish)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for logged in session.info.pop(PENDING, []):
        for publish in list(_publishers):
            publish(logged)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
