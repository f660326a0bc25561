"""Join limits, counted in the database so every worker shares them (the Attempt table).

What is counted (rows of `Attempt`, keyed by scope and a hashed key, pruned after KEEP):

- **joins** per workshop and per address: generous, a room joins in a burst, often from ONE
  address (a venue's NAT): `KS_JOIN_LIMIT` (150) per address and JOINS_PER_WORKSHOP (1,000)
  per workshop, per minute. A room of 100 behind one NAT gets in within the minute, a hall of
  1,000 too; a script adding fake participants from one address is stopped after 150. This
  machine itself (loopback: the demo, a benchmark, a local proxy not named in
  FORWARDED_ALLOW_IPS, behind which every phone would share one address) has no per-address
  limit. Past a limit: 429 + Retry-After (a few seconds to a minute).
- **wrong codes** per address: WRONG_PER_ADDRESS per WRONG_WINDOW; and across all addresses
  together, a ceiling of WRONG_CEILING per CEILING_WINDOW. Above the ceiling the server is being
  guessed at from many addresses, and each address's allowance drops to WRONG_UNDER_ATTACK.

An address past its wrong-code allowance is *guarded*: a code from it is accepted only for a
workshop someone at that address has joined in the last KEEP (the rest of the room behind that
NAT keeps getting in); any other code, right or wrong, is answered 429 without saying which. So
the right code is never refused because of someone else's wrong ones once the room has started
joining, and a guesser still learns nothing past the allowance: a throttle that let through the
right code from anyone would give a guesser no protection at all.

The figures, and what they buy against a code space of 30^6 = 729 million codes, are in the
README ("Join limits"). Guessing from one address: 30 codes per 10 minutes, 4,320 a day.

A wrong code changes no workshop, so it logs no event and takes no workshop's lock: its row is
bookkeeping (`Change.keep_without_event`) in the join's own short transaction on the writer
lane, kept although the join is refused. A join's rows go in with the participant.
"""

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from app.config import get_settings
from app.models import Attempt, utcnow
from app.services.errors import TooManyAttempts

JOIN_WINDOW = timedelta(minutes=1)
JOINS_PER_WORKSHOP = 1000
WRONG_WINDOW = timedelta(minutes=10)
WRONG_PER_ADDRESS = 30
CEILING_WINDOW = timedelta(minutes=1)
WRONG_CEILING = 300
WRONG_UNDER_ATTACK = 5
KEEP = timedelta(hours=1)  # how long an address is known to have joined a workshop
PRUNE_EVERY_S = 60.0

# Scopes of Attempt rows.
JOIN_ADDRESS = "join.address"
JOIN_WORKSHOP = "join.workshop"
JOINED = "joined"  # an address joined a workshop: key = hash(address, workshop)
WRONG = "wrong"

_ATTEMPT = Attempt.__table__  # type: ignore[attr-defined]
_last_prune = 0.0


def joins_per_window() -> int:
    return get_settings().join_limit


def _key(*parts: object) -> str:
    """Addresses are kept hashed (and for an hour at most)."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:40]


def _count(conn: Connection, scope: str, key: str | None, since: datetime) -> tuple[int, datetime]:
    """How many rows since `since`, and the oldest of them."""
    query = select(func.count(), func.min(_ATTEMPT.c.at)).where(
        _ATTEMPT.c.scope == scope, _ATTEMPT.c.at > since
    )
    if key is not None:
        query = query.where(_ATTEMPT.c.key == key)
    count, oldest = conn.execute(query).one()
    return int(count), oldest or since


def _wait(oldest: datetime, window: timedelta, now: datetime) -> int:
    """Seconds until the oldest counted row leaves the window."""
    if oldest.tzinfo is None and now.tzinfo is not None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(1, math.ceil((oldest + window - now).total_seconds()))


def _add(conn: Connection, rows: list[tuple[str, str]], now: datetime) -> None:
    conn.execute(insert(_ATTEMPT), [{"scope": s, "key": k, "at": now} for s, k in rows])


def _prune(conn: Connection, now: datetime) -> None:
    """Old rows go, at most once a minute per process."""
    global _last_prune
    if time.monotonic() - _last_prune < PRUNE_EVERY_S:
        return
    _last_prune = time.monotonic()
    conn.execute(delete(_ATTEMPT).where(_ATTEMPT.c.at < now - KEEP))


def _local(client: str) -> bool:
    try:
        return not client or ipaddress.ip_address(client).is_loopback
    except ValueError:  # not an IP address (a test client's name): counted like one
        return False


@dataclass(frozen=True)
class Gate:
    """What the limits say about one address before its code is looked at."""

    address: str
    guarded: bool
    retry_after: int
    # No address, or this machine's own: a join from inside the server (the demo, scripts,
    # tests) or through a local proxy that hides the phones' addresses; not one phone.
    internal: bool = False


def gate(conn: Connection, client: str, now: datetime | None = None) -> Gate:
    now = now or utcnow()
    _prune(conn, now)
    address = _key("address", client)
    wrong, oldest = _count(conn, WRONG, address, now - WRONG_WINDOW)
    everyone, _ = _count(conn, WRONG, None, now - CEILING_WINDOW)
    allowance = WRONG_UNDER_ATTACK if everyone >= WRONG_CEILING else WRONG_PER_ADDRESS
    retry = _wait(oldest, WRONG_WINDOW, now)
    if everyone >= WRONG_CEILING:
        retry = min(retry, math.ceil(CEILING_WINDOW.total_seconds()))
    return Gate(address, wrong >= allowance, retry, internal=_local(client))


def refuse_guarded(gate: Gate) -> TooManyAttempts:
    return TooManyAttempts(
        "Too many wrong codes have been tried from this network. Wait %(seconds)s seconds and "
        "try again.",
        field="join_code",
        seconds=gate.retry_after,
        retry_after=gate.retry_after,
    )


def known(conn: Connection, gate: Gate, workshop_id: int, now: datetime | None = None) -> bool:
    """Has someone at this address joined this workshop lately (the rest of their room)?"""
    now = now or utcnow()
    count, _ = _count(conn, JOINED, _key(gate.address, workshop_id), now - KEEP)
    return count > 0


def wrong_code(conn: Connection, gate: Gate, now: datetime | None = None) -> None:
    _add(conn, [(WRONG, gate.address)], now or utcnow())


def check_joins(
    conn: Connection, gate: Gate, workshop_id: int, now: datetime | None = None
) -> None:
    """429 when this workshop or this address has had its share of joins for now."""
    now = now or utcnow()
    per_address = joins_per_window()
    for scope, key, limit in (
        (JOIN_WORKSHOP, str(workshop_id), JOINS_PER_WORKSHOP),
        *(() if gate.internal else ((JOIN_ADDRESS, gate.address, per_address),)),
    ):
        count, oldest = _count(conn, scope, key, now - JOIN_WINDOW)
        if count >= limit:
            seconds = _wait(oldest, JOIN_WINDOW, now)
            raise TooManyAttempts(
                "Very many people are joining right now. Wait %(seconds)s seconds and try again.",
                seconds=seconds,
                retry_after=seconds,
            )


def joined(conn: Connection, gate: Gate, workshop_id: int, now: datetime | None = None) -> None:
    _add(
        conn,
        [
            (JOIN_WORKSHOP, str(workshop_id)),
            (JOIN_ADDRESS, gate.address),
            (JOINED, _key(gate.address, workshop_id)),
        ],
        now or utcnow(),
    )


def reset() -> None:
    """For tests: the next gate prunes again (the rows go with the tables)."""
    global _last_prune
    _last_prune = 0.0
