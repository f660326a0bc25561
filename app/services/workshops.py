"""Create, join, read and steer a workshop.

Organizations: a workshop has a list of the organizations in the room (set at creation; the
default list is in the workshop's language). A participant picks one on joining; free text that
matches an entry, ignoring case and spaces, is that entry, anything else is "Annan"/"Other".
Nobody has to say: no organization stays none.
"""

import json
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Row, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.config import get_settings
from app.models import (
    AREA_MAX,
    NAME_MAX,
    ORG_MAX,
    STAGES,
    TITLE_MAX,
    FocusArea,
    Kind,
    Language,
    Participant,
    Stage,
    VotingState,
    Workshop,
    utcnow,
)
from app.services import followup, throttle
from app.services.auth import (
    Principal,
    Role,
    derived_token,
    hash_token,
    new_token,
    remember,
    require,
)
from app.services.errors import Forbidden, Invalid, NotAllowedNow, NotFound, Stale, Unauthorized
from app.services.uow import Change

DEFAULT_FOCUS_AREAS = ["Narkotika", "Otrygghet", "Otillåten påverkan"]
DEFAULT_FOCUS_AREAS_EN = ["Drugs", "Insecurity", "Undue influence"]
DEFAULT_ORGANIZATIONS = {
    Language.sv: ["Polisen", "Kommunen", "Socialtjänsten", "Skolan", "Bostadsbolag", "Annan"],
    Language.en: [
        "Police",
        "Municipality",
        "Social services",
        "School",
        "Housing company",
        "Other",
    ],
}
# What a participant's organization becomes when it is none of the workshop's list.
OTHER_ORGANIZATION = {Language.sv: "Annan", Language.en: "Other"}
# Who may own an action besides the organizations: all of them at once.
TOGETHER = {Language.sv: "Tillsammans", Language.en: "Together"}
MAX_ORGANIZATIONS = 20
ORGANIZATION_MAX = 60
MAX_FOCUS_AREAS = 6
MAX_VOTES = 20

# No look-alikes: no 0/O, 1/I/L; U dropped too so codes rarely spell words.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 6


def normalise_code(raw: str) -> str:
    """What people type: any case, spaces or dashes, an O for a zero is still a miss."""
    return re.sub(r"[\s\-]", "", raw or "").upper()[:20]


def format_code(code: str) -> str:
    """ABC-DEF: easier to read off a wall."""
    return f"{code[:3]}-{code[3:]}"


@dataclass
class WorkshopInput:
    title: str
    focus_areas: list[str] | None = None
    language: str = Language.sv
    votes_per_participant: int = 3
    max_votes_per_item: int = 2
    workshop_date: date | None = None
    # A follow-up workshop: the earlier one and a key of it (services/followup.py).
    follows: followup.Follows | None = None
    organizations: list[str] | None = None
    erase_notes_after_days: int = 365


@dataclass
class CreatedWorkshop:
    workshop: Workshop
    facilitator_token: str
    board_token: str
    followup_token: str
    focus_areas: list[FocusArea] = field(default_factory=list)


def check_admin_password(given: str | None) -> None:
    """When the server has an admin password, creating a workshop needs it."""
    expected = get_settings().admin_password
    if expected and not secrets.compare_digest((given or "").encode(), expected.encode()):
        raise Unauthorized("Creating a workshop needs the admin password.")


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def validate_input(data: WorkshopInput) -> WorkshopInput:
    title = _clean(data.title)
    if not title:
        raise Invalid("Give the workshop a title.", field="title")
    if len(title) > TITLE_MAX:
        raise Invalid(
            "The title is too long (at most %(max)s characters).", field="title", max=TITLE_MAX
        )
    if data.language not in (Language.sv, Language.en):
        raise Invalid("Choose Swedish or English.", field="language")
    if data.focus_areas is None:
        areas = DEFAULT_FOCUS_AREAS if data.language == Language.sv else DEFAULT_FOCUS_AREAS_EN
    else:
        areas = [a for a in (_clean(x) for x in data.focus_areas) if a]
    if not 1 <= len(areas) <= MAX_FOCUS_AREAS:
        raise Invalid(
            "Give between 1 and %(max)s focus areas.", field="focus_areas", max=MAX_FOCUS_AREAS
        )
    if any(len(a) > AREA_MAX for a in areas):
        raise Invalid(
            "A focus area name is too long (at most %(max)s characters).",
            field="focus_areas",
            max=AREA_MAX,
        )
    if len({a.casefold() for a in areas}) != len(areas):
        raise Invalid("Two focus areas have the same name.", field="focus_areas")
    if not 1 <= data.votes_per_participant <= MAX_VOTES:
        raise Invalid(
            "Dots per person must be between 1 and %(max)s.",
            field="votes_per_participant",
            max=MAX_VOTES,
        )
    if not 1 <= data.max_votes_per_item <= data.votes_per_participant:
        raise Invalid(
            "Dots per note must be at least 1 and at most the dots per person.",
            field="max_votes_per_item",
        )
    return WorkshopInput(
        title=title,
        focus_areas=areas,
        language=data.language,
        votes_per_participant=data.votes_per_participant,
        max_votes_per_item=data.max_votes_per_item,
        workshop_date=data.workshop_date,
        follows=data.follows,
        organizations=_check_organizations(data.organizations, data.language),
        erase_notes_after_days=check_retention(data.erase_notes_after_days),
    )


def _check_organizations(given: list[str] | None, language: str) -> list[str]:
    if given is None:
        return list(DEFAULT_ORGANIZATIONS[Language(language)])
    names = [n for n in (_clean(x) for x in given) if n]
    if not 1 <= len(names) <= MAX_ORGANIZATIONS:
        raise Invalid(
            "Give between 1 and %(max)s organizations.",
            field="organizations",
            max=MAX_ORGANIZATIONS,
        )
    if any(len(n) > ORGANIZATION_MAX for n in names):
        raise Invalid(
            "An organization's name is too long (at most %(max)s characters).",
            field="organizations",
            max=ORGANIZATION_MAX,
        )
    if len({_org_key(n) for n in names}) != len(names):
        raise Invalid("Two organizations have the same name.", field="organizations")
    return names


RETENTION_DAYS = (1, 3650)  # from a day to ten years after the workshop closed


def check_retention(days: object) -> int:
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not RETENTION_DAYS[0] <= days <= RETENTION_DAYS[1]
    ):
        raise Invalid(
            "Erase notes between %(first)s and %(last)s days after the workshop closes.",
            field="erase_notes_after_days",
            first=RETENTION_DAYS[0],
            last=RETENTION_DAYS[1],
        )
    return days


def _org_key(name: str) -> str:
    """Organizations match ignoring case and spaces: "social tjänsten" is "Socialtjänsten"."""
    return "".join(name.split()).casefold()


def organizations_of(workshop: Workshop) -> list[str]:
    """The workshop's list of organizations (older workshops without one: the default list)."""
    try:
        names = json.loads(workshop.organizations or "[]")
    except ValueError:
        names = []
    if not isinstance(names, list) or not names:
        return list(DEFAULT_ORGANIZATIONS[_language_of(workshop)])
    return [str(n) for n in names]


def owner_suggestions(workshop: Workshop) -> list[str]:
    """Who may own an action, as the facilitator's owner field suggests it: the workshop's own
    organizations (not the catch-all "Annan"), with "Tillsammans" for a joint one third."""
    language = _language_of(workshop)
    names = [n for n in organizations_of(workshop) if n != OTHER_ORGANIZATION[language]]
    return [*names[:2], TOGETHER[language], *names[2:]]


def _language_of(workshop: Workshop) -> Language:
    return Language.en if workshop.language == Language.en else Language.sv


def other_organization(workshop: Workshop) -> str:
    """ "Annan"/"Other" – as the workshop's list spells it, when the list has it."""
    other = OTHER_ORGANIZATION[_language_of(workshop)]
    for name in organizations_of(workshop):
        if _org_key(name) == _org_key(other):
            return name
    return other


def pick_organization(workshop: Workshop, given: str | None) -> str | None:
    """The entry of the workshop's list a participant's answer names; none stays none."""
    cleaned = _clean(given)
    if not cleaned:
        return None
    wanted = _org_key(cleaned)
    for name in organizations_of(workshop):
        if _org_key(name) == wanted:
            return name
    return other_organization(workshop)


def _new_code(session: Session) -> str:
    for _ in range(50):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = session.exec(
            select(Workshop.id).where(Workshop.join_code == code, Workshop.stage != Stage.closed)
        ).first()
        if taken is None:
            return code
    raise RuntimeError("no free join code")  # 30^6 codes: only if the table is absurdly full


def new_slug() -> str:
    """The workshop's address in page URLs: 96 random bits, so addresses cannot be counted."""
    return secrets.token_urlsafe(12)


def create_workshop(change: Change, data: WorkshopInput) -> CreatedWorkshop:
    """A new workshop; with `follows`, a follow-up that starts from the earlier one's plan."""
    session = change.session
    earlier = followup.followed(session, data.follows) if data.follows is not None else None
    if earlier is not None:
        data = replace(
            data,
            title=data.title
            if _clean(data.title)
            else followup.title_after(earlier.workshop, data.language),
            focus_areas=followup.areas_after(session, earlier.workshop, data.focus_areas),
        )
    clean = validate_input(data)
    assert clean.focus_areas is not None
    facilitator_token = new_token()
    tokens = {
        "facilitator": facilitator_token,
        "board": derived_token(facilitator_token, Role.board),
        "followup": derived_token(facilitator_token, Role.followup),
    }
    for _ in range(3):  # a workshop of another process may take the same code meanwhile
        workshop = Workshop(
            title=clean.title,
            date=clean.workshop_date or date.today(),
            language=clean.language,
            join_code=_new_code(session),
            slug=new_slug(),
            facilitator_token_hash=hash_token(tokens["facilitator"]),
            board_token_hash=hash_token(tokens["board"]),
            followup_token_hash=hash_token(tokens["followup"]),
            votes_per_participant=clean.votes_per_participant,
            max_votes_per_item=clean.max_votes_per_item,
            follows_id=earlier.workshop.id if earlier is not None else None,
            organizations=json.dumps(clean.organizations, ensure_ascii=False),
            erase_notes_after_days=clean.erase_notes_after_days,
        )
        try:
            with session.begin_nested():
                session.add(workshop)
        except IntegrityError:
            continue
        break
    else:
        raise RuntimeError("could not allocate a join code")
    assert workshop.id is not None
    areas = [
        FocusArea(workshop_id=workshop.id, name=name, position=i)
        for i, name in enumerate(clean.focus_areas)
    ]
    session.add_all(areas)
    session.flush()
    workshop = change.lock(workshop.id)
    if earlier is not None:
        followup.carry_over(change, workshop, areas, earlier)
    change.log("workshop.created")
    return CreatedWorkshop(
        workshop, tokens["facilitator"], tokens["board"], tokens["followup"], areas
    )


@dataclass
class Joined:
    workshop: Workshop
    participant: Participant
    token: str


def find_open_workshop(session: Session, raw_code: str) -> Workshop:
    code = normalise_code(raw_code)
    workshop = None
    if len(code) == CODE_LENGTH:
        workshop = session.exec(
            select(Workshop).where(Workshop.join_code == code, Workshop.stage != Stage.closed)
        ).first()
    if workshop is None:
        raise NotFound(
            "No workshop has the code %(code)s.", field="join_code", code=raw_code.strip()
        )
    return workshop


def join_form_organizations(change: Change, raw_code: str, client: str = "") -> list[str] | None:
    """The organizations the join form offers for a code in its address (typed, or a QR link):
    the workshop's own list when the code names an open workshop, else None (the default list).

    Answered as a join attempt is, because which list comes back tells whether a code is right:
    a wrong code counts against the address like a wrong join, and a guarded address learns
    nothing of a workshop nobody there has joined (services/throttle.py)."""
    gate = throttle.gate(change.conn, client)
    try:
        found = find_open_workshop(change.session, raw_code)
    except NotFound:
        if not gate.guarded:
            throttle.wrong_code(change.conn, gate)
            change.keep_without_event()
        return None
    assert found.id is not None
    if gate.guarded and not throttle.known(change.conn, gate, found.id):
        return None
    return organizations_of(found)


def join(
    change: Change,
    raw_code: str,
    display_name: str | None = None,
    organization: str | None = None,
    client: str = "",
) -> Joined:
    name = _clean(display_name) or None
    org = _clean(organization) or None
    if name and len(name) > NAME_MAX:
        raise Invalid(
            "The name is too long (at most %(max)s characters).", field="display_name", max=NAME_MAX
        )
    if org and len(org) > ORG_MAX:
        raise Invalid(
            "The organization is too long (at most %(max)s characters).",
            field="organization",
            max=ORG_MAX,
        )
    # The limits (services/throttle.py): a guarded address gets in only to a workshop someone
    # there has joined lately; a wrong code is counted, and kept although the join is refused.
    gate = throttle.gate(change.conn, client)
    try:
        found = find_open_workshop(change.session, raw_code)
    except NotFound:
        if gate.guarded:
            raise throttle.refuse_guarded(gate) from None
        throttle.wrong_code(change.conn, gate)
        change.keep_without_event()
        raise
    assert found.id is not None
    if gate.guarded and not throttle.known(change.conn, gate, found.id):
        raise throttle.refuse_guarded(gate)
    workshop = change.lock(found.id)
    throttle.check_joins(change.conn, gate, found.id)
    token = new_token()
    participant = Participant(
        workshop_id=found.id,
        display_name=name,
        organization=pick_organization(workshop, org),
        token_hash=hash_token(token),
    )
    change.session.add(participant)
    change.session.flush()
    throttle.joined(change.conn, gate, found.id)
    change.log("participant.joined", participant_id=participant.id)
    principal = Principal(Role.participant, found.id, participant.id)
    change.after_commit(lambda: remember(token, principal))
    return Joined(workshop, participant, token)


SHARED_ROLES = (Role.board, Role.followup)


def shared_tokens(
    session: Session, principal: Principal, workshop_id: int, facilitator_token: str
) -> dict[Role, str] | None:
    """The board's and follow-up's tokens, for the facilitator to share again; None for a
    workshop made before they followed from the facilitator's (renew_links makes them so)."""
    require(principal, workshop_id, Role.facilitator)
    workshop = get_workshop(session, workshop_id)
    tokens = {role: derived_token(facilitator_token, role) for role in SHARED_ROLES}
    stored = {Role.board: workshop.board_token_hash, Role.followup: workshop.followup_token_hash}
    if any(hash_token(tokens[role]) != stored[role] for role in SHARED_ROLES):
        return None
    return tokens


def renew_links(
    change: Change, principal: Principal, workshop_id: int, facilitator_token: str
) -> dict[Role, str]:
    """Board and follow-up links that follow from the facilitator's, for a workshop made before
    they did: the old ones stop working, and the facilitator's page can show the new ones."""
    require(principal, workshop_id, Role.facilitator)
    workshop = change.lock(workshop_id)
    if hash_token(facilitator_token) != workshop.facilitator_token_hash:
        raise Forbidden("Only the facilitator can do that.")
    tokens = {role: derived_token(facilitator_token, role) for role in SHARED_ROLES}
    workshop.board_token_hash = hash_token(tokens[Role.board])
    workshop.followup_token_hash = hash_token(tokens[Role.followup])
    change.session.add(workshop)
    change.audit(principal.role, "links.renewed")
    change.log("links.renewed")
    return tokens


def get_workshop(session: Session, workshop_id: int) -> Workshop:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound("No such workshop.")
    return workshop


def focus_areas(session: Session, workshop_id: int) -> list[FocusArea]:
    return list(
        session.exec(
            select(FocusArea)
            .where(FocusArea.workshop_id == workshop_id)
            .order_by(col(FocusArea.position))
        ).all()
    )


def participant_count(session: Session, workshop_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)
    ).one()


@dataclass
class WorkshopState:
    workshop: Workshop
    focus_areas: list[FocusArea]
    participant_count: int
    role: Role

    @property
    def voting(self) -> dict[str, str]:
        return {Kind.cause: self.workshop.cause_voting, Kind.action: self.workshop.action_voting}


def read_state(session: Session, principal: Principal, workshop_id: int) -> WorkshopState:
    require(principal, workshop_id)
    workshop = get_workshop(session, workshop_id)
    return WorkshopState(
        workshop,
        focus_areas(session, workshop_id),
        participant_count(session, workshop_id),
        principal.role,
    )


def _check_stage(stage: str | None, field: str) -> Stage:
    try:
        return Stage(stage or "")
    except ValueError:
        raise Invalid("Unknown stage.", field=field) from None


def stages_of(workshop: Workshop) -> list[Stage]:
    """The stages this workshop goes through: review only in a follow-up workshop."""
    if workshop.follows_id is not None:
        return STAGES
    return [stage for stage in STAGES if stage is not Stage.review]


def set_stage(
    change: Change,
    principal: Principal,
    workshop_id: int,
    stage: str,
    expected: str | None = None,
) -> Workshop:
    """Move the room to a stage. `expected` is the stage the mover believes is current: when
    another move came first (a double click, a second tab), nothing moves (Stale)."""
    require(principal, workshop_id, Role.facilitator)
    target = _check_stage(stage, "stage")
    if expected is not None:
        _check_stage(expected, "from")
    workshop = change.lock(workshop_id)
    if expected is not None and workshop.stage != expected:
        raise Stale(
            "The stage was changed in the meantime, so nothing was moved.",
            field="from",
            current=workshop.stage,
        )
    if workshop.stage == target:
        return workshop  # nothing changes: no event, no event number used
    if target not in stages_of(workshop):
        raise NotAllowedNow("Only a follow-up workshop has this stage.", field="stage")
    previous = workshop.stage
    workshop.stage = target
    # Retention counts from the (last) close; a workshop opened again is not closed.
    if target is Stage.closed:
        workshop.closed_at = utcnow()
    elif previous == Stage.closed:
        workshop.closed_at = None
    change.session.add(workshop)
    change.audit(principal.role.value, "stage", field="stage", before=previous, after=target.value)
    change.log("stage", stage=target.value, previous=previous)
    return workshop


def step_stage(
    change: Change, principal: Principal, workshop_id: int, step: int, expected: str | None = None
) -> Workshop:
    """Next (+1) or previous (-1) stage from the current one; stays put at either end."""
    require(principal, workshop_id, Role.facilitator)
    workshop = change.lock(workshop_id)
    stages = stages_of(workshop)
    current = Stage(workshop.stage)
    index = stages.index(current) + step if current in stages else 0
    index = max(0, min(index, len(stages) - 1))
    return set_stage(change, principal, workshop_id, stages[index], expected)


def voting_state(workshop: Workshop | Row[Any], kind: str) -> str:
    """The voting state of a kind (a workshop, or its row as the lock answered it)."""
    if kind == Kind.cause:
        return workshop.cause_voting
    if kind == Kind.action:
        return workshop.action_voting
    return VotingState.closed


def get_participant(session: Session, principal: Principal) -> Participant:
    if principal.participant_id is None:
        raise NotFound("No such participant.")
    participant = session.get(Participant, principal.participant_id)
    if participant is None:
        raise NotFound("No such participant.")
    return participant


def set_retention(change: Change, principal: Principal, workshop_id: int, days: int) -> Workshop:
    """How many days after the workshop closes its situation and cause notes are erased
    (app/services/retention.py)."""
    require(principal, workshop_id, Role.facilitator)
    days = check_retention(days)
    workshop = change.lock(workshop_id)
    if workshop.erase_notes_after_days == days:
        return workshop
    previous = workshop.erase_notes_after_days
    workshop.erase_notes_after_days = days
    change.session.add(workshop)
    change.audit(
        principal.role.value,
        "retention",
        field="erase_notes_after_days",
        before=previous,
        after=days,
    )
    change.log("retention", days=days)
    return workshop
