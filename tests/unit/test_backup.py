"""`make backup` while the room writes: the copy is consistent and holds every note acknowledged
before it began."""

import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from app import backup
from app.config import get_settings
from app.models import Item
from app.services import uow
from app.services.items import add_item
from tests.conftest import DB_KIND


def _keep_writing(made, stop: threading.Event, acknowledged: list[int]) -> None:
    phone = made.participants[0].principal(made.id)
    n = 0
    while not stop.is_set():
        n += 1
        view, _ = uow.run(add_item, phone, made.id, "situation", made.area(), f"Lapp {n}")
        acknowledged.append(view.id)


@pytest.fixture
def writing(make_workshop):
    made = make_workshop(participants=1, stage="situation")
    stop = threading.Event()
    acknowledged: list[int] = []
    thread = threading.Thread(target=_keep_writing, args=(made, stop, acknowledged))
    thread.start()
    while len(acknowledged) < 20:
        threading.Event().wait(0.01)
    yield acknowledged
    stop.set()
    thread.join(timeout=10)


@pytest.mark.skipif(DB_KIND != "sqlite", reason="SQLite's backup API")
def test_a_backup_taken_while_notes_arrive_opens_with_the_notes(
    writing: list[int], tmp_path: Path, session
) -> None:
    before = set(writing)  # acknowledged before the backup began
    copy = backup.backup(tmp_path / "copy.db")
    during = len(writing)
    assert not Path(str(copy) + ".partial").exists()
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
        ids = {row[0] for row in db.execute("select id from item")}
        texts = [row[0] for row in db.execute("select text from item")]
    db.close()
    assert before <= ids  # every acknowledged note is in the copy
    assert len(ids) <= during + 1  # and nothing that was not yet there
    assert all(text.startswith("Lapp ") for text in texts)
    assert not Path(str(copy) + "-wal").exists()
    live = session.exec(select(func.count()).select_from(Item)).one()
    assert live >= len(ids)  # the server went on writing meanwhile


@pytest.mark.skipif(DB_KIND != "postgresql", reason="pg_dump")
def test_on_postgresql_the_backup_is_a_pg_dump_that_restores(
    writing: list[int], tmp_path: Path
) -> None:
    before = len(writing)
    dump = backup.backup(tmp_path / "copy.dump")
    listed = subprocess.run(
        ["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True
    ).stdout
    assert "TABLE DATA public item" in listed
    data = subprocess.run(
        ["pg_restore", "--data-only", "--table=item", "--file=-", str(dump)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert sum(1 for line in data.splitlines() if "\tLapp " in line) >= before


def test_the_command_names_pg_dump_for_postgresql(tmp_path: Path) -> None:
    command = backup.pg_dump_command("postgresql+psycopg://u@h:5432/db", tmp_path / "x.dump")
    assert command[0] == "pg_dump" and command[-1] == "postgresql://u@h:5432/db"
    assert get_settings().database_url  # the backup reads the same settings as the server
