"""Erase the notes of every workshop whose retention has run out (app/services/retention.py).

    python -m app.purge          # or: make purge

Run it from cron (daily is plenty). Each workshop is erased in a change of its own through the
unit of work, so a running server's screens and a purge never step on each other; a workshop
erased once is not touched again. Prints one line per workshop and a total.
"""

import argparse
import sys

from app.db import reading
from app.migrations import upgrade_to_head
from app.services import retention, uow


def purge() -> list[retention.Purged]:
    with reading() as session:
        due = retention.due(session)
    done = []
    for workshop_id in due:
        purged = uow.run(retention.purge_workshop, workshop_id)
        if purged is not None:
            done.append(purged)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    upgrade_to_head()
    try:
        done = purge()
    finally:
        uow.stop_writers()
    for purged in done:
        print(f"workshop {purged.workshop_id}: {purged.notes} notes erased")
    print(f"{len(done)} workshop(s) purged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
