"""How fast a room can vote: 30 phones tap their dots at once, through the vote service.

    .venv/bin/python -m bench.votes                     # a fresh SQLite file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ks_bench .venv/bin/python -m bench.votes

Each participant taps one dot more than the budget, all at the same moment; the run checks that
exactly the budget was counted per person and prints taps per second and tap times. A first,
untimed room warms the connection pool and the statement cache. Figures only, no verdict.
"""

import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from threading import Event

PARTICIPANTS = int(os.environ.get("KS_BENCH_PARTICIPANTS", "30"))
BUDGET = 3
NOTES = 12

if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"

from sqlalchemy import func  # noqa: E402 - after DATABASE_URL is settled
from sqlmodel import select  # noqa: E402

from app.db import session_scope  # noqa: E402
from app.migrations import upgrade_to_head  # noqa: E402
from app.models import Vote  # noqa: E402
from app.services import items, voting, workshops  # noqa: E402
from app.services.auth import Principal, Role  # noqa: E402
from app.services.errors import BudgetSpent  # noqa: E402


@dataclass
class Room:
    workshop_id: int
    taps: list[tuple[Principal, int]]


def make_room(participants: int) -> Room:
    with session_scope(write=True) as session:
        created = workshops.create_workshop(
            session, workshops.WorkshopInput(title="Bench", votes_per_participant=BUDGET)
        )
        wid = created.workshop.id
        assert wid is not None
        facilitator = Principal(Role.facilitator, wid)
        area = created.focus_areas[0].id
        causes: list[int] = []
        for i in range(NOTES):
            item, _ = items.add_item(session, facilitator, wid, "cause", area, f"Orsak {i}")
            assert item.id is not None
            causes.append(item.id)
        people = [
            Principal(
                Role.participant,
                wid,
                workshops.join(session, created.workshop.join_code).participant.id,
            )
            for _ in range(participants)
        ]
        voting.set_voting(session, facilitator, wid, "cause", "open")
    taps = [
        (p, causes[(i * 5 + n) % NOTES]) for i, p in enumerate(people) for n in range(BUDGET + 1)
    ]
    return Room(wid, taps)


def tap_all_at_once(room: Room) -> tuple[list[bool], list[float], float]:
    go = Event()
    durations: list[float] = []

    def tap(who: Principal, item_id: int) -> bool:
        with session_scope(write=True) as session:
            go.wait()
            started = time.perf_counter()
            try:
                voting.cast_vote(session, who, item_id)
                return True
            except BudgetSpent:
                return False
            finally:
                durations.append(time.perf_counter() - started)

    with ThreadPoolExecutor(len(room.taps)) as pool:
        futures = [pool.submit(tap, who, item_id) for who, item_id in room.taps]
        time.sleep(0.2)  # let every thread reach the gate
        started = time.perf_counter()
        go.set()
        results = [f.result() for f in futures]
    return results, durations, time.perf_counter() - started


def main() -> None:
    upgrade_to_head()
    tap_all_at_once(make_room(min(PARTICIPANTS, 10)))  # warm-up, not timed
    room = make_room(PARTICIPANTS)
    results, durations, elapsed = tap_all_at_once(room)
    with session_scope() as session:
        counted = session.exec(
            select(func.count()).select_from(Vote).where(Vote.workshop_id == room.workshop_id)
        ).one()
    refused = len(results) - sum(results)
    print(f"database           {os.environ['DATABASE_URL'].split(':', 1)[0]}")
    print(f"participants       {PARTICIPANTS} × {BUDGET} dots, {len(results)} taps at once")
    print(f"counted / refused  {sum(results)} / {refused} (database holds {counted})")
    print(f"wall time          {elapsed:.3f} s")
    print(f"taps per second    {len(results) / elapsed:.0f}")
    print(f"tap time median    {statistics.median(durations) * 1000:.1f} ms")
    print(f"tap time slowest   {max(durations) * 1000:.1f} ms")
    if counted != PARTICIPANTS * BUDGET:
        sys.exit("the budget did not hold")


if __name__ == "__main__":
    main()
