"""The tables of the whole domain (DESIGN.md, "Domain model").

Alembic owns the schema: these classes describe it for queries, and every change here needs a
migration in alembic/versions.
"""

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Stage(StrEnum):
    lobby = "lobby"
    # Only in a follow-up workshop: the actions of the earlier one, before the new picture.
    review = "review"
    situation = "situation"
    causes = "causes"
    actions = "actions"
    prioritize = "prioritize"
    closed = "closed"


STAGES: list[Stage] = list(Stage)


class Kind(StrEnum):
    situation = "situation"
    cause = "cause"
    action = "action"


class VotingState(StrEnum):
    closed = "closed"
    open = "open"
    revealed = "revealed"


class Status(StrEnum):
    proposed = "proposed"
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


class FollowUp(StrEnum):
    """The colour of an action's latest follow-up (Brå's action plan)."""

    green = "green"
    yellow = "yellow"
    red = "red"


class Review(StrEnum):
    """What the room decided about a carried action in a follow-up workshop's review."""

    done = "done"
    continue_ = "continue"
    drop = "drop"


class Language(StrEnum):
    sv = "sv"
    en = "en"


TITLE_MAX = 200
TEXT_MAX = 1000
NAME_MAX = 60
ORG_MAX = 80
AREA_MAX = 60
LABEL_MAX = 60
GOAL_MAX = 500
INDICATOR_MAX = 500
FOLLOW_UP_NOTE_MAX = 1000
CONTACT_MAX = 200


class Workshop(SQLModel, table=True):
    __table_args__ = (
        # Codes are unique among workshops that are still running; closed ones free theirs.
        Index(
            "ux_workshop_open_join_code",
            "join_code",
            unique=True,
            sqlite_where=text("stage != 'closed'"),
            postgresql_where=text("stage != 'closed'"),
        ),
        Index("ux_workshop_slug", "slug", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=TITLE_MAX)
    date: date
    language: str = Field(default=Language.sv, max_length=2)
    join_code: str = Field(max_length=6)
    # The workshop's address in page URLs (/w/<slug>/…): random, so it cannot be counted.
    slug: str = Field(max_length=24)
    facilitator_token_hash: str = Field(max_length=64, unique=True)
    board_token_hash: str = Field(max_length=64, unique=True)
    followup_token_hash: str = Field(max_length=64, unique=True)
    stage: str = Field(default=Stage.lobby, max_length=16)
    votes_per_participant: int = 3
    max_votes_per_item: int = 2
    cause_voting: str = Field(default=VotingState.closed, max_length=10)
    action_voting: str = Field(default=VotingState.closed, max_length=10)
    show_names: bool = False
    # Stage timer: while running, ends_at is set; while paused, remaining_s holds what is left.
    timer_ends_at: datetime | None = None
    timer_remaining_s: int = 0
    # Bumped by every change; the row update also serialises changes to one workshop.
    event_seq: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    # The organizations a participant picks from (a JSON list of names), set at creation.
    organizations: str = Field(default="[]", sa_column_kwargs={"server_default": "[]"})
    # A follow-up workshop starts from the action plan of the one it follows.
    follows_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("workshop.id", ondelete="SET NULL"), nullable=True),
    )
    # Retention: situation and cause notes are erased this many days after the workshop closed.
    erase_notes_after_days: int = Field(default=365, sa_column_kwargs={"server_default": "365"})
    closed_at: datetime | None = None
    notes_erased_at: datetime | None = None


class FocusArea(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workshop.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    name: str = Field(max_length=AREA_MAX)
    position: int = 0


class Participant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workshop.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    display_name: str | None = Field(default=None, max_length=NAME_MAX)
    organization: str | None = Field(default=None, max_length=ORG_MAX)
    token_hash: str = Field(max_length=64, unique=True)
    joined_at: datetime = Field(default_factory=utcnow)


class Item(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workshop_id", "idempotency_key", name="uq_item_idempotency"),
        Index("ix_item_workshop_kind", "workshop_id", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workshop.id", ondelete="CASCADE"), nullable=False)
    )
    focus_area_id: int = Field(
        sa_column=Column(Integer, ForeignKey("focusarea.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=10)
    text: str = Field(sa_column=Column(Text, nullable=False))
    # None: written by the facilitator.
    participant_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="SET NULL"), index=True),
    )
    hidden: bool = False
    merged_into_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("item.id", ondelete="SET NULL"))
    )
    group_label: str | None = Field(default=None, max_length=LABEL_MAX)
    idempotency_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Changes on every edit: an edit sent with an older version changes nothing (409).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # Per workshop and kind, from 1, given once: "Orsak 3" is the same cause on the board, the
    # follow-up page and the workbook, whatever is hidden or merged later.
    number: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Looks like it holds personal data (a personnummer, a phone number, an e-mail address):
    # shown to nobody but the facilitator and its author until the facilitator releases it.
    held: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Actions only.
    shortlisted: bool = False
    owner_organization: str | None = Field(default=None, max_length=ORG_MAX)
    owner_person: str | None = Field(default=None, max_length=ORG_MAX)
    due_date: date | None = None
    status: str = Field(default=Status.proposed, max_length=12)
    priority: int | None = None
    # The action plan (Brå's shape): operational goal, how it is followed up, the colour of
    # the latest follow-up, and how to reach the owner.
    goal: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    indicator: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    follow_up: str | None = Field(default=None, max_length=6)  # green | yellow | red
    follow_up_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    owner_contact: str | None = Field(default=None, max_length=200)
    # In a follow-up workshop: the action of the earlier workshop this one carries on, and what
    # the room decided about it in review (done | continue | drop).
    carried_from_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("item.id", ondelete="SET NULL"), nullable=True),
    )
    review: str | None = Field(default=None, max_length=10)


class Link(SQLModel, table=True):
    """from_item explains or addresses to_item: cause → situation, action → cause."""

    __table_args__ = (UniqueConstraint("from_item_id", "to_item_id", name="uq_link_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workshop.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    from_item_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("item.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    to_item_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("item.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )


class Vote(SQLModel, table=True):
    """One dot. A participant's budget is counted per kind."""

    __table_args__ = (Index("ix_vote_participant_kind", "participant_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workshop.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    participant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), nullable=False)
    )
    item_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("item.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    kind: str = Field(max_length=10)
    created_at: datetime = Field(default_factory=utcnow)


class Rating(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("participant_id", "item_id", name="uq_rating_once"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workshop.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    participant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), nullable=False)
    )
    item_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("item.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    impact: int
    effort: int
    updated_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """The board's change log: seq is gap-free and ordered per workshop (SSE ids)."""

    __table_args__ = (UniqueConstraint("workshop_id", "seq", name="uq_event_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workshop.id", ondelete="CASCADE"), nullable=False)
    )
    seq: int
    kind: str = Field(sa_column=Column(String(40), nullable=False))
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class RequestKey(SQLModel, table=True):
    """A phone's request that must land once however often it is sent again (a dot tapped while
    the wifi was away): the key is stored in the transaction of the change it made."""

    __table_args__ = (UniqueConstraint("participant_id", "key", name="uq_request_key"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), nullable=False)
    )
    key: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Audit(SQLModel, table=True):
    """Who changed what, when: stage moves, voting, moderation, exports and imports, and every
    change to an action's fields (its history). A role, never a participant's name."""

    __table_args__ = (Index("ix_audit_workshop_at", "workshop_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workshop.id", ondelete="CASCADE"), nullable=False)
    )
    at: datetime = Field(default_factory=utcnow)
    role: str = Field(max_length=12)  # facilitator | followup | participant | board | system
    action: str = Field(max_length=40)  # stage, voting, hide, edit, merge, release, export, …
    item_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("item.id", ondelete="SET NULL"), index=True),
    )
    field: str | None = Field(default=None, max_length=40)
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    via: str | None = Field(default=None, max_length=12)  # page | api | import


class Attempt(SQLModel, table=True):
    """Rate limiting shared by every worker: one row per counted attempt (a join, a wrong code),
    keyed by scope and a hashed key (an address, a workshop); old rows are pruned."""

    __table_args__ = (Index("ix_attempt_scope_key_at", "scope", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=20)
    key: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow)
