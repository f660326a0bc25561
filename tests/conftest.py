"""One suite, two databases: KS_TEST_DB=sqlite (default) or postgresql. Each test run migrates a
fresh database once (a file for SQLite; a database of its own on the local PostgreSQL, dropped at
the end) and each test starts from empty tables."""

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from app.config import get_settings
from app.db import dispose_engines, fresh_reads, get_engine
from app.migrations import upgrade_to_head
from app.models import FocusArea
from app.services import auth, throttle, uow, workshops
from app.services.auth import Principal, Role

DB_KIND = os.environ.get("KS_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("KS_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if DB_KIND == "postgresql":
        name = f"ks_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        yield _pg_url(name)
        dispose_engines()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
    else:
        path: Path = tmp_path_factory.mktemp("db") / "test.db"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session", autouse=True)
def migrated(database_url: str) -> Iterator[None]:
    os.environ["DATABASE_URL"] = database_url
    get_settings.cache_clear()
    dispose_engines()
    upgrade_to_head()
    yield
    uow.stop_writers()


@pytest.fixture(autouse=True)
def empty_tables(migrated: None) -> Iterator[None]:
    yield
    engine = get_engine()
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"truncate {', '.join(tables)} restart identity cascade"))
        else:
            for table in tables:
                conn.execute(text(f"delete from {table}"))
    throttle.reset()
    auth.forget_known()


@pytest.fixture
def session() -> Iterator[Session]:
    """For reading what the services did: every statement sees the newest commits."""
    with Session(fresh_reads(get_engine()), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def client() -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app()) as c:
        yield c


@dataclass
class Member:
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def principal(self, workshop_id: int) -> Principal:
        return Principal(Role.participant, workshop_id, self.id)


@dataclass
class MadeWorkshop:
    id: int
    join_code: str
    facilitator_token: str
    board_token: str
    followup_token: str
    focus_areas: list[FocusArea]
    slug: str = ""
    participants: list[Member] = field(default_factory=list)

    def page(self, name: str) -> str:
        """A page's path: "facilitate", "board", "p", "followup"."""
        return f"/w/{self.slug}/{name}"

    @property
    def facilitator(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.facilitator_token}"}

    @property
    def followup(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.followup_token}"}

    @property
    def board(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.board_token}"}

    @property
    def facilitator_principal(self) -> Principal:
        return Principal(Role.facilitator, self.id)

    def area(self, index: int = 0) -> int:
        area_id = self.focus_areas[index].id
        assert area_id is not None
        return area_id


@pytest.fixture
def make_workshop() -> "MakeWorkshop":
    def make(
        participants: int = 0,
        stage: str | None = None,
        **settings: object,
    ) -> MadeWorkshop:
        created = uow.run(
            workshops.create_workshop,
            workshops.WorkshopInput(
                title=str(settings.pop("title", "Tryggare Värnamo")), **settings
            ),  # type: ignore[arg-type]
        )
        wid = created.workshop.id
        assert wid is not None
        made = MadeWorkshop(
            wid,
            created.workshop.join_code,
            created.facilitator_token,
            created.board_token,
            created.followup_token,
            created.focus_areas,
            slug=created.workshop.slug,
        )
        for i in range(participants):
            joined = uow.run(workshops.join, made.join_code, f"Deltagare {i + 1}", "Kommunen")
            assert joined.participant.id is not None
            made.participants.append(Member(joined.participant.id, joined.token))
        if stage is not None:
            uow.run(workshops.set_stage, made.facilitator_principal, wid, stage)
        return made

    return make


MakeWorkshop = type(lambda: None)  # the factory's type, for annotations in tests
