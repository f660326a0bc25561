"""The one lane every change goes through: in order, together, and never stuck."""

import threading
from concurrent.futures import Future

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.services import events, items, uow
from app.services.errors import Busy, Invalid
from app.services.uow import Change


def _hold(change: Change, release: threading.Event) -> None:
    """Keeps the lane busy until released (and changes nothing)."""
    release.wait(10)


def _queue(fn, *args) -> Future:
    return uow.writer().submit(fn, args, {})


@pytest.fixture
def hold_lane():
    """`hold_lane()` makes the lane busy with a change that waits for `release.set()`."""
    held: list[tuple[threading.Event, Future]] = []

    def hold() -> threading.Event:
        release = threading.Event()
        holding = _queue(_hold, release)
        while not holding.running():  # the lane has taken it: what comes next must wait
            threading.Event().wait(0.005)
        held.append((release, holding))
        return release

    yield hold
    for release, holding in held:
        release.set()
        holding.result(10)


def test_changes_queued_together_commit_together_and_a_refused_one_undoes_only_itself(
    session: Session, make_workshop, hold_lane
) -> None:
    w = make_workshop(stage="situation")
    held_lane = hold_lane()
    fac = w.facilitator_principal
    queued = [
        _queue(items.add_item, fac, w.id, "situation", w.area(0), "Först"),
        _queue(items.add_item, fac, w.id, "situation", w.area(0), ""),  # refused: no text
        _queue(items.add_item, fac, w.id, "situation", w.area(0), "Sist"),
    ]
    batches = uow.writer().batches
    held_lane.set()
    first, refused, last = (f.exception(10) or f.result(10) for f in queued)
    assert isinstance(refused, Invalid)
    texts = [v.item.text for v in (first[0], last[0])]
    assert texts == ["Först", "Sist"]
    assert uow.writer().batches - batches <= 2  # the held one, then the three together
    seqs = [e.seq for e in events.events_since(session, w.id, 0)]
    assert seqs == list(range(1, len(seqs) + 1))  # the refused one used no number


def test_more_changes_than_the_lane_holds_are_answered_busy_at_once(
    monkeypatch: pytest.MonkeyPatch, make_workshop, hold_lane
) -> None:
    w = make_workshop(stage="situation")
    held_lane = hold_lane()
    monkeypatch.setattr(uow, "MAX_QUEUE", 2)
    fac = w.facilitator_principal
    waiting = [_queue(items.add_item, fac, w.id, "situation", w.area(0), f"N{i}") for i in range(2)]
    with pytest.raises(Busy):
        _queue(items.add_item, fac, w.id, "situation", w.area(0), "En för mycket")
    held_lane.set()
    assert all(f.result(10)[1] for f in waiting)


def test_a_change_that_waited_too_long_is_not_made(
    session: Session, monkeypatch: pytest.MonkeyPatch, make_workshop, hold_lane
) -> None:
    w = make_workshop(stage="situation")
    held_lane = hold_lane()
    monkeypatch.setattr(uow, "MAX_WAIT_S", 0.05)
    late = _queue(items.add_item, w.facilitator_principal, w.id, "situation", w.area(0), "Sent")
    threading.Event().wait(0.2)
    held_lane.set()
    assert isinstance(late.exception(10), Busy)
    assert items.list_items(session, w.facilitator_principal, w.id) == []


def test_busy_is_a_503_with_retry_after(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, make_workshop
) -> None:
    w = make_workshop(stage="situation")
    monkeypatch.setattr(uow, "MAX_QUEUE", 0)
    answer = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "situation", "focus_area_id": w.area(0), "text": "Hej"},
        headers=w.facilitator,
    )
    assert answer.status_code == 503
    assert int(answer.headers["retry-after"]) > 0


def test_a_change_is_made_once_when_its_batch_lost_the_connection_before_it_began(
    session: Session, make_workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lane keeps its connection between batches; when that one is gone (a database
    restart), the changes waiting on it are run again on a new one, not dropped unanswered."""
    w = make_workshop(stage="situation")
    lane = uow.writer()
    real = lane._connection
    broken = {"left": 1}

    def gone_once():
        if broken["left"]:
            broken["left"] -= 1
            raise OperationalError("BEGIN", {}, Exception("server closed the connection"))
        return real()

    monkeypatch.setattr(lane, "_connection", gone_once)
    view, _ = _queue(
        items.add_item, w.facilitator_principal, w.id, "situation", w.area(0), "Efter avbrottet"
    ).result(10)
    assert view.item.text == "Efter avbrottet"
    assert broken["left"] == 0
    texts = [v.item.text for v in items.list_items(session, w.facilitator_principal, w.id)]
    assert texts.count("Efter avbrottet") == 1
