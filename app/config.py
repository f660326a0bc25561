"""All settings in one place, read from the environment (and an optional .env file)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # sqlite:///path/to/file.db or postgresql://user@host:port/db
    database_url: str = f"sqlite:///{ROOT / 'data' / 'kraftsamla.db'}"
    # What QR codes and shared links point at, e.g. http://192.168.1.20:8000.
    # Empty: derived from each request's Host header.
    public_url: str = ""
    # When set, creating a workshop needs this password.
    admin_password: str = ""
    host: str = "0.0.0.0"  # noqa: S104 - phones on the venue wifi must reach it
    port: int = 8000
    # Limits that keep one bad request from hurting the room.
    max_body_bytes: int = 256 * 1024
    max_upload_bytes: int = 5 * 1024 * 1024
    # FULL: a commit is on disk before anyone hears "saved", also through a power cut (NORMAL
    # can lose the last commits then). Measured on the room's peak: see README, "Durability".
    sqlite_synchronous: str = Field(default="FULL", pattern="^(FULL|NORMAL)$")
    # Joins per workshop, and per address, in ten minutes (services/throttle.py): a room of a
    # hundred behind one venue NAT, twice over. Benchmarks that join a thousand phones raise it.
    join_limit: int = Field(default=150, alias="KS_JOIN_LIMIT", ge=1)
    # FastAPI's own OpenTelemetry spans, metrics and logs: off unless an operator collects them
    # (each request otherwise asks the tracer provider whether anyone listens).
    telemetry: bool = Field(default=False, alias="KS_TELEMETRY")
    # How often each worker reads the event counters of the workshops it has screens for, in
    # seconds: on SQLite that is how other workers' changes reach it (0.15 s); on PostgreSQL
    # NOTIFY does, and the poll only backs it up (5 s). See README, "Several workers and hosts".
    live_poll_s: float | None = Field(default=None, alias="KS_LIVE_POLL_S", gt=0)
    # Set KS_SECURE_COOKIES=1 behind HTTPS.
    secure_cookies: bool = Field(default=False, alias="KS_SECURE_COOKIES")

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        # Accept the plain postgresql:// form from DESIGN.md and use psycopg 3 for it.
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
