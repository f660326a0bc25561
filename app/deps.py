"""What both faces need to know about a request before the route runs: who is asking.

A token seen before is answered from memory; a new one is looked up in a short read on a worker
thread that closes its connection before returning. So no request holds a pooled connection, or
any lock, while it waits for a thread or for the event loop (see app/services/uow.py).
"""

import json
from typing import Annotated, Any, NoReturn

import anyio
from fastapi import Path, Request

from app.db import reading
from app.numbers import MAX_ID
from app.services import auth
from app.services.auth import Principal
from app.services.errors import Invalid


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
ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="a note's id")]
WorkshopId = Annotated[int, Path(ge=1, le=MAX_ID, description="a workshop's id")]
ParticipantId = Annotated[int, Path(ge=1, le=MAX_ID, description="a participant's id")]


def _nul_field(value: Any, path: str) -> str | None:
    """Where in a parsed JSON body a text holds NUL, as a dotted path ("follows.token")."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, inner in items:
        found = _nul_field(inner, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def _refuse(field: str) -> NoReturn:
    raise Invalid(
        "“%(name)s” holds a character that cannot be saved (NUL). Remove it and try again.",
        field=field,
        name=field,
    )


async def refuse_nul(request: Request) -> None:
    """No text with a NUL character (0x00) gets in, by any face: PostgreSQL cannot store one
    (SQLite could, so both databases refuse it alike). A 422 names the field; nothing changes.
    Cheap on the hot path: the body is only searched when its bytes hold an escaped NUL."""
    for name, value in request.path_params.items():
        if "\x00" in str(value):
            _refuse(name)
    if b"%00" in request.scope.get("query_string", b""):
        for name, value in request.query_params.multi_items():
            if "\x00" in value or "\x00" in name:
                _refuse(name)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        if b"\\u0000" not in body:
            return
        try:
            parsed = json.loads(body)
        except ValueError:
            return  # not JSON: FastAPI's own 422 says so
        found = _nul_field(parsed, "")
        if found is not None:
            _refuse(found)
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        for name, value in form.multi_items():
            if isinstance(value, str) and ("\x00" in value or "\x00" in name):
                _refuse(name)
