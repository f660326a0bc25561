"""Who is looking at a page: typed dependencies per role, for /w/<slug>/… routes.

Each role keeps its token in its own HttpOnly cookie per workshop, so a facilitator's laptop can
show the facilitator page and the board side by side. A secret link (`?key=`) is exchanged for the
cookie and then redirected away, so the secret never stays in the address bar on the projector.
Nobody without a key or cookie of the workshop learns anything about it: not its join code, not
whether it exists.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

import anyio
from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import select

from app.config import get_settings
from app.db import reading
from app.deps import identify
from app.models import Workshop
from app.services.auth import Principal, Role
from app.services.errors import Forbidden, NotFound, Unauthorized

COOKIE_MAX_AGE = 60 * 60 * 24 * 120  # a workshop plus its follow-up months
SLUG_MAX = 24

# A slug names the same workshop for ever: remembered once looked up.
_workshop_ids: dict[str, int] = {}


class Redirect(Exception):
    """Answer with this response instead of the page (installed in app/errors.py)."""

    def __init__(self, response: Response) -> None:
        self.response = response


def role_cookie(workshop_id: int, role: Role) -> str:
    return f"ks_{workshop_id}_{role.value}"


def set_role_cookie(response: Response, workshop_id: int, role: Role, token: str) -> None:
    response.set_cookie(
        role_cookie(workshop_id, role),
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
    )


def _find(slug: str) -> int:
    with reading() as session:
        found = session.exec(select(Workshop.id).where(Workshop.slug == slug)).first()
    if found is None:
        raise NotFound("No such workshop.")
    return found


async def workshop_of(slug: str) -> int:
    """The workshop id behind a page address; NotFound for anything else."""
    if not slug or len(slug) > SLUG_MAX:
        raise NotFound("No such workshop.")
    if slug not in _workshop_ids:
        _workshop_ids[slug] = await anyio.to_thread.run_sync(_find, slug)
    return _workshop_ids[slug]


async def page_principal(request: Request, workshop_id: int, roles: tuple[Role, ...]) -> Principal:
    """The first of `roles` whose cookie for this workshop holds a valid token."""
    for role in roles:
        token = request.cookies.get(role_cookie(workshop_id, role))
        if not token:
            continue
        try:
            principal = await identify(token)
        except Unauthorized:
            continue
        if principal.workshop_id == workshop_id and principal.role is role:
            return principal
    raise Unauthorized("This page needs the link you were given. Open it again.")


async def _exchange_key(request: Request, workshop_id: int, roles: tuple[Role, ...]) -> None:
    """`?key=` in the address: swap it for the role cookie and come back without it."""
    principal = await identify(request.query_params["key"])
    if principal.workshop_id != workshop_id:
        raise NotFound("No such workshop.")
    if principal.role not in roles:
        raise Forbidden("This link does not open this page.")
    response = RedirectResponse(request.url.path, status_code=303)
    set_role_cookie(response, workshop_id, principal.role, request.query_params["key"])
    raise Redirect(response)


def page_of(*roles: Role) -> Callable[[str, Request], Awaitable[Principal]]:
    async def who(slug: str, request: Request) -> Principal:
        workshop_id = await workshop_of(slug)
        if request.method == "GET" and request.query_params.get("key"):
            await _exchange_key(request, workshop_id, roles)
        try:
            return await page_principal(request, workshop_id, roles)
        except Unauthorized:
            if roles == (Role.participant,) and request.method == "GET":
                # A phone without its cookie (another browser, cleared data) joins again; the
                # join page asks for the code from the board rather than giving it away.
                raise Redirect(RedirectResponse("/join", status_code=303)) from None
            raise

    return who


FacilitatorPage = Annotated[Principal, Depends(page_of(Role.facilitator))]
ParticipantPage = Annotated[Principal, Depends(page_of(Role.participant))]
# The facilitator's own laptop usually drives the projector: their cookie opens the board too.
BoardPage = Annotated[Principal, Depends(page_of(Role.board, Role.facilitator))]
FollowupPage = Annotated[Principal, Depends(page_of(Role.followup, Role.facilitator))]
