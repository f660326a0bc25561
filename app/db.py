"""Engine and sessions for SQLite (WAL, foreign keys, busy timeout) and PostgreSQL (psycopg 3)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from app.config import Settings, get_settings

_engines: dict[str, Engine] = {}


def _sqlite_engine(url: str) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself so write transactions can take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction that starts with a read and upgrades later can fail with
        # SQLITE_BUSY no matter the timeout; BEGIN IMMEDIATE queues writers up instead.
        if conn.get_execution_options().get("ks_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def get_engine(settings: Settings | None = None) -> Engine:
    url = (settings or get_settings()).database_url
    if url not in _engines:
        if url.startswith("sqlite"):
            _engines[url] = _sqlite_engine(url)
        else:
            _engines[url] = create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def open_session(write: bool = False) -> Session:
    engine = get_engine()
    if write:
        return Session(engine.execution_options(ks_write=True), expire_on_commit=False)
    return Session(engine, expire_on_commit=False)


@contextmanager
def session_scope(write: bool = False) -> Iterator[Session]:
    session = open_session(write)
    try:
        yield session
    finally:
        session.close()
