"""Who is calling the JSON API: `Authorization: Bearer <token>`, any role of any workshop. What
that role may do is the services' business; this only says who it is."""

from typing import Annotated

from fastapi import Depends, Request

from app.deps import identify
from app.services.auth import Principal


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def caller(request: Request) -> Principal:
    return await identify(bearer_token(request))


CallerDep = Annotated[Principal, Depends(caller)]
