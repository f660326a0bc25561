"""What both faces need to know about a request before the route runs: who is asking.

A token seen before is answered from memory; a new one is looked up in a short read on a worker
thread that closes its connection before returning. So no request holds a pooled connection, or
any lock, while it waits for a thread or for the event loop (see app/services/uow.py).
"""

from typing import Annotated

import anyio
from fastapi import Path

from app.db import reading
from app.services import auth
from app.services.auth import Principal


def _lookup(token: str | None) -> Principal:
    with reading() as session:
        return auth.resolve(session, token)


async def identify(token: str | None) -> Principal:
    """Whoever holds the token (Unauthorized when nobody does)."""
    principal = auth.known(token)
    if principal is not None:
        return principal
    return await anyio.to_thread.run_sync(_lookup, token)


# Row ids are 32-bit integers in PostgreSQL: a larger number in a path names nothing (a 422 that
# names the field), rather than an overflow deep in the database driver (a 500).
MAX_ID = 2**31 - 1
ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="a note's id")]
WorkshopId = Annotated[int, Path(ge=1, le=MAX_ID, description="a workshop's id")]
ParticipantId = Annotated[int, Path(ge=1, le=MAX_ID, description="a participant's id")]
