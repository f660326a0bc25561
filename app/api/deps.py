"""Who is calling: `Authorization: Bearer <token>`."""

from typing import Annotated

from fastapi import Depends, Request

from app.deps import SessionDep
from app.services.auth import Principal, resolve


def bearer_principal(request: Request, session: SessionDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return resolve(session, token.strip() if scheme.lower() == "bearer" else None)


PrincipalDep = Annotated[Principal, Depends(bearer_principal)]
