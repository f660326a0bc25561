"""Upgrade the schema to the newest Alembic revision (on start, and from `make run`)."""

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from app.config import ROOT
from app.db import get_engine


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    return config


def upgrade_to_head() -> None:
    config = alembic_config()
    engine = get_engine()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Several workers start at once: one upgrades, the others wait and find it done.
            connection.execute(text("select pg_advisory_xact_lock(7272001)"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


if __name__ == "__main__":
    upgrade_to_head()
    print("schema is at head")
