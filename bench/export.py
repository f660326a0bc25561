"""How long the Excel export takes for a big workshop: 1,000 actions (target: under 1 s).

    .venv/bin/python -m bench.export            # a throwaway SQLite file
    DATABASE_URL=postgresql://… .venv/bin/python -m bench.export

Seeds 300 situation notes, 500 causes and 1,000 actions (each linked to two causes, each cause to
two situation notes), 30 participants' votes and ratings, then exports a few times and prints
the time to gather the results and the time to write the workbook.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

from sqlmodel import Session


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        folder = tempfile.mkdtemp(prefix="ks-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
    from app.db import get_engine
    from app.migrations import upgrade_to_head
    from app.models import Item, Link, Participant, Rating, Vote
    from app.services import export, uow, workshops
    from app.services.auth import Principal, Role

    upgrade_to_head()
    rng = random.Random(6)
    created = uow.run(workshops.create_workshop, workshops.WorkshopInput(title="Benchmark"))
    uow.stop_writers()
    with Session(get_engine(), expire_on_commit=False) as s:
        wid = created.workshop.id
        assert wid is not None
        areas = [a.id for a in created.focus_areas]
        people = [
            Participant(
                workshop_id=wid,
                organization=rng.choice(["Polisen", "Kommunen"]),
                token_hash=f"{wid}-{i}".ljust(64, "x"),
            )
            for i in range(30)
        ]
        s.add_all(people)
        s.flush()

        def notes(kind: str, count: int, words: str) -> list[Item]:
            made = [
                Item(
                    workshop_id=wid,
                    focus_area_id=rng.choice(areas),
                    kind=kind,
                    text=f"{words} {i}: " + " ".join(rng.choice(WORDS) for _ in range(14)),
                )
                for i in range(count)
            ]
            s.add_all(made)
            s.flush()
            return made

        situations = notes("situation", 300, "Iakttagelse")
        causes = notes("cause", 500, "Orsak")
        actions = notes("action", 1000, "Åtgärd")
        for i, action in enumerate(actions):
            action.owner_organization = rng.choice(["Polisen", "Kommunen", "Tillsammans"])
            action.owner_person = f"Ansvarig {i % 40}"
            action.due_date = date(2027, 1, 1) + timedelta(days=i % 300)
            action.status = rng.choice(["proposed", "planned", "in_progress", "done"])
            action.priority = i + 1 if i < 50 else None
        links = [
            Link(workshop_id=wid, from_item_id=c.id, to_item_id=t.id)
            for c in causes
            for t in rng.sample(situations, 2)
        ] + [
            Link(workshop_id=wid, from_item_id=a.id, to_item_id=t.id)
            for a in actions
            for t in rng.sample(causes, 2)
        ]
        s.add_all(links)
        s.add_all(
            Vote(
                workshop_id=wid, participant_id=p.id, item_id=rng.choice(actions).id, kind="action"
            )
            for p in people
            for _ in range(3)
        )
        s.add_all(
            Rating(
                workshop_id=wid,
                participant_id=p.id,
                item_id=a.id,
                impact=rng.randint(1, 5),
                effort=rng.randint(1, 5),
            )
            for a in actions[:100]
            for p in people
        )
        s.commit()

    principal = Principal(Role.followup, wid)
    gather, write, size = [], [], 0
    for _ in range(5):
        with Session(get_engine()) as s:
            started = time.perf_counter()
            data = export.results(s, principal, wid)
            gathered = time.perf_counter()
            content = export.workbook_bytes(export.build_workbook(data))
            done = time.perf_counter()
        gather.append(gathered - started)
        write.append(done - gathered)
        size = len(content)
    total = [g + w for g, w in zip(gather, write, strict=True)]
    print(f"export of 1,000 actions, 500 causes, 300 situation notes ({size / 1024:.0f} kB)")
    print(f"  gather results : median {statistics.median(gather) * 1000:7.1f} ms")
    print(f"  write workbook : median {statistics.median(write) * 1000:7.1f} ms")
    print(
        f"  total          : median {statistics.median(total) * 1000:7.1f} ms, "
        f"best {min(total) * 1000:.1f} ms (target < 1000 ms)"
    )
    sys.stdout.flush()


WORDS = [
    *("unga", "kväll", "centrum", "park", "skola", "droger", "belysning", "föräldrar", "polis"),
    *("kommun", "fältassistenter", "trygghet", "samverkan", "rekrytering", "sociala", "medier"),
    *("boende", "butik", "resecentrum", "helg"),
]


if __name__ == "__main__":
    main()
