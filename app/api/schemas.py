"""Request and answer bodies of the JSON API. Types and sizes only: the rules are in services."""

import datetime as dt

from pydantic import BaseModel, Field


class WorkshopCreate(BaseModel):
    title: str = Field(max_length=2000)
    focus_areas: list[str] | None = Field(default=None, max_length=50)
    language: str = "sv"
    votes_per_participant: int = 3
    max_votes_per_item: int = 2
    date: dt.date | None = None


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


class StageChange(BaseModel):
    stage: str = Field(max_length=40)
