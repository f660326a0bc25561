"""Alembic reads the same settings as the app; migrations run on SQLite and PostgreSQL."""

from typing import Any

from alembic import context
from sqlmodel import SQLModel

import app.models  # noqa: F401 - registers the tables on SQLModel.metadata
from app.config import get_settings
from app.db import get_engine

target_metadata = SQLModel.metadata


def _configure_and_run(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
        **kwargs,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _configure_and_run(url=get_settings().database_url, literal_binds=True)
else:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection=connection)
    else:
        with get_engine().connect() as conn:
            _configure_and_run(connection=conn)
            conn.commit()
