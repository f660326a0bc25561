"""`make backup` / `python -m app.backup [TARGET]`: a consistent copy of the database while the
server runs.

SQLite: SQLite's online backup API copies the database as one read transaction sees it, so the
copy holds every change committed before it started and none half-made, while the server goes on
writing (WAL: writers are not blocked). The copy is one self-contained file (journal mode DELETE),
checked with `PRAGMA quick_check`. Restore: stop the server, put the copy in place of the database
file (and delete any `-wal` and `-shm` files beside it), start the server.

PostgreSQL: `pg_dump --format=custom` (also consistent: one snapshot); restore with
`pg_restore --clean --if-exists --dbname <url> <file>`.
"""

import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from app.config import ROOT, get_settings

BACKUPS = ROOT / "data" / "backups"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy `source` to `target` through SQLite's backup API; returns `target`."""
    if not source.exists():
        raise SystemExit(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(partial) as dst:
        src.backup(dst)  # all pages in one step: one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
    src.close()
    dst.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise SystemExit(f"the copy failed its check: {check}")
    partial.replace(target)
    return target


def pg_dump_command(url: str, target: Path) -> list[str]:
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    return ["pg_dump", "--format=custom", f"--file={target}", plain]


def backup(target: Path | None = None) -> Path:
    url = get_settings().database_url
    if url.startswith("sqlite"):
        return backup_sqlite(sqlite_path(url), target or BACKUPS / f"kraftsamla-{_stamp()}.db")
    target = target or BACKUPS / f"kraftsamla-{_stamp()}.dump"
    command = pg_dump_command(url, target)
    if shutil.which("pg_dump") is None:
        raise SystemExit(
            "pg_dump is not installed; on the database host run:\n  " + " ".join(command)
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(command, check=True)  # noqa: S603 - our own command, no shell
    return target


def main(argv: list[str]) -> None:
    made = backup(Path(argv[0]) if argv else None)
    print(f"backup written: {made}")
    if made.suffix == ".dump":
        print(f"restore: pg_restore --clean --if-exists --dbname <database url> {made}")
    else:
        print("restore: stop the server, copy it over the database file (remove its -wal and")
        print("-shm files), start the server")


if __name__ == "__main__":
    main(sys.argv[1:])
