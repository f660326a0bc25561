"""Tokens and roles. A token is 192 random bits from `secrets`; only its SHA-256 is stored, so a
copy of the database alone lets nobody in. (A slow hash buys nothing for random tokens.)"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, select

from app.models import Participant, Workshop
from app.services.errors import Forbidden, NotFound, Unauthorized


class Role(StrEnum):
    facilitator = "facilitator"
    participant = "participant"
    board = "board"  # the projector: read-only, sees what the room may see
    followup = "followup"


TOKEN_MAX = 200


def new_token() -> str:
    return secrets.token_urlsafe(24)


def derived_token(facilitator_token: str, role: "Role") -> str:
    """The board's and the follow-up's tokens follow from the facilitator's (HMAC-SHA256, 192
    bits): the facilitator's page can always show those links again, while the database keeps
    only hashes, and neither link leads back to the facilitator's."""
    mac = hmac.new(facilitator_token.encode(), role.value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    role: Role
    workshop_id: int
    participant_id: int | None = None

    @property
    def is_facilitator(self) -> bool:
        return self.role is Role.facilitator


# A participant's and the facilitator's tokens never change hands and are never revoked, so who
# holds one can be remembered in each worker: a tap from a phone that was seen before needs no
# database read to say who it is. The board's and follow-up's links can be renewed (the old ones
# then stop working in every worker and host at once), so those are always asked of the database:
# a few screens, not the room's taps.
_REMEMBERED = (Role.participant, Role.facilitator)
_KNOWN_MAX = 50_000
_known: dict[str, Principal] = {}


def known(token: str | None) -> Principal | None:
    """Who holds this token, if this process has seen it; None means "ask the database"."""
    if not token or len(token) > TOKEN_MAX:
        return None
    return _known.get(hash_token(token))


def resolve(session: Session, token: str | None) -> Principal:
    """Whoever holds this token, in whichever workshop; Unauthorized when nobody does."""
    if not token or len(token) > TOKEN_MAX:
        raise Unauthorized("Missing or unknown key.")
    digest = hash_token(token)
    if digest in _known:
        return _known[digest]
    principal = _lookup(session, digest)
    remember(token, principal)
    return principal


def _lookup(session: Session, digest: str) -> Principal:
    participant = session.exec(
        select(Participant.id, Participant.workshop_id).where(Participant.token_hash == digest)
    ).first()
    if participant is not None:
        return Principal(Role.participant, participant[1], participant[0])
    for role, column in (
        (Role.facilitator, Workshop.facilitator_token_hash),
        (Role.board, Workshop.board_token_hash),
        (Role.followup, Workshop.followup_token_hash),
    ):
        workshop_id = session.exec(select(Workshop.id).where(column == digest)).first()
        if workshop_id is not None:
            return Principal(role, workshop_id)
    raise Unauthorized("Missing or unknown key.")


def remember(token: str, principal: Principal) -> None:
    """Who holds a token, for its next use (also one just handed out: a phone's first tap
    needs no database read either). Only tokens that cannot be revoked."""
    if principal.role not in _REMEMBERED:
        return
    if len(_known) >= _KNOWN_MAX:
        _known.clear()  # crude, but bounded; a miss only costs one read
    _known[hash_token(token)] = principal


def forget_known() -> None:
    """For tests that empty the database between them."""
    _known.clear()


def viewer(view: str, workshop_id: int) -> Principal:
    """Who a shared render is for. "facilitator": everything; any other view is the room's —
    the projector and every phone see the same notes (visible ones, names only when shown, dots
    once revealed), so one render serves them all."""
    return Principal(Role.facilitator if view == "facilitator" else Role.board, workshop_id)


def require(principal: Principal, workshop_id: int, *roles: Role) -> Principal:
    """The principal must belong to this workshop and hold one of the roles."""
    if principal.workshop_id != workshop_id:
        # Do not confirm that another workshop exists.
        raise NotFound("No such workshop.")
    if roles and principal.role not in roles:
        raise (
            Forbidden("Only the facilitator can do that.")
            if Role.facilitator in roles and len(roles) == 1
            else Forbidden("Your role cannot do that.")
        )
    return principal
