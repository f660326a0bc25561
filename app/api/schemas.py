"""Request and answer bodies of the JSON API. Types and sizes only: the rules are in services."""

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from app.numbers import MAX_ID

# An id in a body: a row id fits PostgreSQL's integer; anything else names no row (422).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class FollowsIn(BaseModel):
    """The earlier workshop a follow-up workshop starts from, and a key of it."""

    workshop_id: Id
    token: str = Field(
        default="",
        max_length=1000,
        description="The earlier workshop's facilitator or follow-up token; else 403.",
    )


class WorkshopCreate(BaseModel):
    title: str = Field(default="", max_length=2000)
    focus_areas: list[str] | None = Field(default=None, max_length=50)
    language: str = "sv"
    votes_per_participant: int = 3
    max_votes_per_item: int = 2
    date: dt.date | None = None
    follows: FollowsIn | None = Field(
        default=None,
        description="Start from an earlier workshop's action plan (title may then be empty).",
    )
    organizations: list[str] | None = Field(
        default=None,
        max_length=100,
        description="The organizations participants pick from (1–20, each at most 60 "
        "characters); default: Polisen, Kommunen, Socialtjänsten, Skolan, Bostadsbolag, Annan "
        "(in English for an English workshop).",
    )
    erase_notes_after_days: int = Field(
        default=365,
        ge=-(2**31),
        le=2**31 - 1,
        description="Situation and cause notes are erased this many days after the workshop "
        "closes (1–3650).",
    )


class WorkshopUrls(BaseModel):
    join: str
    facilitate: str
    board: str
    followup: str


class WorkshopCreated(BaseModel):
    id: int
    join_code: str
    facilitator_token: str
    board_token: str
    followup_token: str
    urls: WorkshopUrls


class JoinRequest(BaseModel):
    join_code: str = Field(max_length=100)
    display_name: str | None = Field(default=None, max_length=2000)
    organization: str | None = Field(default=None, max_length=2000)


class Joined(BaseModel):
    workshop_id: int
    participant_id: int
    participant_token: str


class FocusAreaOut(BaseModel):
    id: int
    name: str


class VotingOut(BaseModel):
    cause: str
    action: str


class WorkshopOut(BaseModel):
    id: int
    title: str
    date: dt.date
    stage: str
    language: str
    join_code: str
    focus_areas: list[FocusAreaOut]
    participant_count: int
    votes_per_participant: int
    max_votes_per_item: int
    voting: VotingOut
    role: str
    organizations: list[str]
    erase_notes_after_days: int
    closed_at: dt.datetime | None
    erase_notes_at: dt.datetime | None = Field(
        description="When the situation and cause notes are due to be erased (once closed)."
    )
    notes_erased_at: dt.datetime | None


class RetentionIn(BaseModel):
    erase_notes_after_days: int = Field(ge=-(2**31), le=2**31 - 1)


class NotesErased(BaseModel):
    erased: int = Field(description="How many situation and cause notes were erased.")


class BreakdownGroupOut(BaseModel):
    name: str
    participants: int
    pooled: bool = Field(description="Several organizations of fewer than 3 people together.")


class BreakdownCellOut(BaseModel):
    group: str
    votes: int
    ratings: int
    impact: float | None
    effort: float | None


class BreakdownItemOut(BaseModel):
    id: int
    number: int
    text: str
    votes: int
    agree: bool = Field(description="Every group put a similar share of dots per person on it.")
    by_group: list[BreakdownCellOut]


class BreakdownOut(BaseModel):
    kind: str
    k: int = Field(description="No group smaller than this is shown.")
    groups: list[BreakdownGroupOut]
    left_out: int = Field(description="Participants in a pool smaller than k, shown nowhere.")
    items: list[BreakdownItemOut]


class StageChange(BaseModel):
    stage: str = Field(max_length=40)
    from_: str | None = Field(
        default=None,
        alias="from",
        max_length=40,
        description="The stage the caller believes is current; when it is not, 409.",
    )


class ItemCreate(BaseModel):
    kind: str = Field(max_length=20)
    focus_area_id: Id
    text: str = Field(max_length=10_000)
    links: list[Id] = Field(default_factory=list, max_length=200)


class ItemPatchIn(BaseModel):
    """Send only what changes."""

    text: str | None = Field(default=None, max_length=10_000)
    hidden: bool | None = None
    held: bool | None = Field(
        default=None,
        description="false releases a note held back because it may hold personal data "
        "(facilitator only).",
    )
    focus_area_id: Id | None = None
    links: list[Id] | None = Field(default=None, max_length=200)
    group_label: str | None = Field(default=None, max_length=1000)
    owner_organization: str | None = Field(default=None, max_length=1000)
    owner_person: str | None = Field(default=None, max_length=1000)
    due_date: str | None = Field(default=None, max_length=40)
    status: str | None = Field(default=None, max_length=40)
    priority: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    shortlisted: bool | None = None
    goal: str | None = Field(default=None, max_length=5000)
    indicator: str | None = Field(default=None, max_length=5000)
    follow_up: str | None = Field(
        default=None, max_length=40, description="green, yellow, red or null"
    )
    follow_up_note: str | None = Field(default=None, max_length=10_000)
    owner_contact: str | None = Field(default=None, max_length=2000)
    version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The note's version the edit starts from; when it is not current, 409.",
    )


class MergeIn(BaseModel):
    into: Id


class ItemOut(BaseModel):
    id: int
    kind: str
    focus_area_id: int
    text: str
    links: list[int]
    linked_from: list[int]
    hidden: bool
    held: bool = Field(
        description="May hold personal data: shown only to the facilitator and its author "
        "until the facilitator releases it."
    )
    merged_into: int | None
    group_label: str | None
    votes: int | None
    my_votes: int
    mine: bool
    author_name: str | None
    author_organization: str | None
    created_at: dt.datetime
    shortlisted: bool
    owner_organization: str | None
    owner_person: str | None
    due_date: dt.date | None
    status: str
    priority: int | None
    version: int
    number: int
    goal: str | None
    indicator: str | None
    follow_up: str | None
    follow_up_note: str | None
    owner_contact: str | None = Field(description="Only for the facilitator and follow-up.")
    carried_from: int | None
    review: str | None


class AuditLineOut(BaseModel):
    at: dt.datetime
    role: str
    action: str
    item_id: int | None
    field: str | None
    before: str | None
    after: str | None
    via: str | None


class HistoryLineOut(AuditLineOut):
    earlier: bool = Field(description="Made in the earlier workshop, to the action carried on.")
