"""Tokens are stored hashed, and the schema comes from Alembic on both databases."""

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from app.db import get_engine
from app.migrations import alembic_config
from app.models import Participant, Workshop


def test_a_copy_of_the_database_holds_no_usable_token(client: TestClient, session: Session) -> None:
    made = client.post("/api/v1/workshops", json={"title": "T"}).json()
    joined = client.post("/api/v1/join", json={"join_code": made["join_code"]}).json()
    workshop = session.exec(select(Workshop)).one()
    participant = session.exec(select(Participant)).one()
    stored = " ".join(
        [
            workshop.facilitator_token_hash,
            workshop.board_token_hash,
            workshop.followup_token_hash,
            participant.token_hash,
        ]
    )
    for token in (
        made["facilitator_token"],
        made["board_token"],
        made["followup_token"],
        joined["participant_token"],
    ):
        assert token not in stored
        # 192 random bits, URL-safe
        assert len(token) >= 32
    # A stored hash used as a token opens nothing.
    hashed = {"Authorization": f"Bearer {workshop.facilitator_token_hash}"}
    assert client.get(f"/api/v1/workshops/{made['id']}", headers=hashed).status_code == 401


def test_schema_is_at_alembic_head_with_every_table() -> None:
    engine = get_engine()
    tables = set(inspect(engine).get_table_names())
    assert {
        "workshop",
        "focusarea",
        "participant",
        "item",
        "link",
        "vote",
        "rating",
        "event",
        "alembic_version",
    } <= tables
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == head


def test_sqlite_runs_with_wal_and_foreign_keys() -> None:
    engine = get_engine()
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("pragma foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("pragma busy_timeout").scalar() == 30000


def test_a_renewed_board_link_stops_working_even_where_it_was_used_before(
    client: TestClient, make_workshop
) -> None:
    from app.services import uow, workshops
    from app.services.auth import hash_token

    w = make_workshop()
    old = "a-board-link-from-before-links-followed-the-facilitators"
    with get_engine().begin() as conn:
        conn.execute(
            text("update workshop set board_token_hash = :h where id = :id"),
            {"h": hash_token(old), "id": w.id},
        )
    path = f"/api/v1/workshops/{w.id}"
    assert client.get(path, headers={"Authorization": f"Bearer {old}"}).status_code == 200
    uow.run(workshops.renew_links, w.facilitator_principal, w.id, w.facilitator_token)
    assert client.get(path, headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get(path, headers=w.board).status_code == 200
