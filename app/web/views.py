"""What each page shows, gathered from the services in one place per page. No rules here: what a
role may see is decided by the services these call."""

import uuid
from dataclasses import dataclass, field

from sqlmodel import Session

from app.links import join_url
from app.models import (
    FocusArea,
    FollowUp,
    Kind,
    Participant,
    Rating,
    Stage,
    Status,
    VotingState,
    Workshop,
)
from app.services import breakdown, followup, items, ranking, ratings, timer, voting, workshops
from app.services.auth import Principal, viewer
from app.services.followup import Carried
from app.services.items import ItemView
from app.services.ratings import RatingSummary
from app.services.vocabulary import LINKS_TO, STAGE_KIND, VOTED_KINDS
from app.services.voting import Ranked, VotingProgress
from app.web.qr import qr_svg


@dataclass
class WorkshopView:
    workshop: Workshop
    focus_areas: list[FocusArea]
    participant_count: int
    join_url: str = ""
    qr: str = ""

    @property
    def stages(self) -> list[str]:
        return [s.value for s in workshops.stages_of(self.workshop)]

    @property
    def id(self) -> int:
        assert self.workshop.id is not None
        return self.workshop.id

    @property
    def slug(self) -> str:
        return self.workshop.slug

    @property
    def stage(self) -> str:
        return self.workshop.stage

    @property
    def seq(self) -> int:
        return self.workshop.event_seq

    @property
    def timer_left(self) -> int:
        return timer.seconds_left(self.workshop)

    @property
    def timer_running(self) -> bool:
        return timer.is_running(self.workshop)


@dataclass
class Column:
    """One focus area's notes of one kind, grouped under the facilitator's labels."""

    area: FocusArea
    kind: str
    items: list[ItemView]

    @property
    def dom_id(self) -> str:
        return column_id(self.area.id or 0, self.kind)

    @property
    def groups(self) -> list[tuple[str | None, list[ItemView]]]:
        labelled: dict[str | None, list[ItemView]] = {None: []}
        for view in self.items:
            labelled.setdefault(view.item.group_label, []).append(view)
        return [(label, views) for label, views in labelled.items() if views]


def column_id(area_id: int, kind: str) -> str:
    return f"col-{area_id}-{kind}"


def stage_kind(stage: str) -> str | None:
    kind = STAGE_KIND.get(Stage(stage))
    return kind.value if kind else None


def board_columns(
    session: Session, principal: Principal, workshop_id: int, kind: str, areas: list[FocusArea]
) -> tuple[list[Column], dict[int, ItemView]]:
    """The columns of a kind, and the notes of the kind before (what the cards link to)."""
    views = items.list_items(session, principal, workshop_id, kind=kind)
    if kind == Kind.action:
        # Carried actions the review closed (done, dropped) are off the list.
        views = [v for v in views if v.item.review not in ranking.CLOSED_IN_REVIEW]
    by_area: dict[int, list[ItemView]] = {area.id or 0: [] for area in areas}
    for view in views:
        by_area.setdefault(view.item.focus_area_id, []).append(view)
    columns = [Column(area, kind, by_area.get(area.id or 0, [])) for area in areas]
    before = LINKS_TO.get(Kind(kind))
    linked = (
        {v.id: v for v in items.list_items(session, principal, workshop_id, kind=before)}
        if before
        else {}
    )
    return columns, linked


def one_column(
    session: Session, principal: Principal, workshop_id: int, area_id: int, kind: str
) -> tuple[Column | None, dict[int, ItemView]]:
    areas = [a for a in workshops.focus_areas(session, workshop_id) if a.id == area_id]
    if not areas:
        return None, {}
    columns, linked = board_columns(session, principal, workshop_id, kind, areas)
    return columns[0], linked


@dataclass
class RankedColumn:
    area: FocusArea
    ranked: list[Ranked]

    @property
    def top(self) -> int:
        return max((r.votes for r in self.ranked), default=0)


@dataclass
class ActionRow:
    """An action in the prioritize stage: what it addresses, its owners, the room's ratings."""

    view: ItemView
    area: FocusArea | None
    summary: RatingSummary | None
    mine: Rating | None = None
    number: int = 0  # ranking.action_numbers: the same on every screen and in the workbook

    @property
    def id(self) -> int:
        return self.view.id


def prioritized(
    session: Session, principal: Principal, workshop_id: int, areas: list[FocusArea]
) -> tuple[list[ActionRow], dict[int, ItemView]]:
    """The actions carried into prioritizing, in the action list's one order."""
    chosen = ratings.carried_on(session, principal, workshop_id)
    summaries = ratings.rating_summary(session, workshop_id)
    numbers = ranking.action_numbers(session, workshop_id)
    by_area = {a.id: a for a in areas}
    rows = [
        ActionRow(v, by_area.get(v.item.focus_area_id), summaries.get(v.id), None, numbers[v.id])
        for v in chosen
        if v.id in numbers
    ]
    rows.sort(key=lambda r: r.number)
    causes = {v.id: v for v in items.list_items(session, principal, workshop_id, kind=Kind.cause)}
    return rows, causes


def matrix_points(rows: list[ActionRow]) -> list[dict[str, object]]:
    return [
        {
            "label": str(row.number),
            "text": row.view.item.text,
            "impact": row.summary.impact,
            "effort": row.summary.effort,
        }
        for row in rows
        if row.summary is not None
    ]


@dataclass
class ParticipantView(WorkshopView):
    participant: Participant | None = None
    kind: str | None = None
    area: FocusArea | None = None
    column: Column | None = None
    linked: dict[int, ItemView] = field(default_factory=dict)
    mine: list[ItemView] = field(default_factory=list)
    candidates: list[tuple[FocusArea, list[ItemView]]] = field(default_factory=list)
    wrote_here: bool = False
    form_key: str = ""
    voting: str = VotingState.closed
    votes_left: int = 0
    vote_columns: list[Column] = field(default_factory=list)
    ranked: list[RankedColumn] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    causes: dict[int, ItemView] = field(default_factory=dict)
    review: list[Carried] = field(default_factory=list)


def _base(session: Session, principal: Principal, workshop_id: int) -> WorkshopView:
    state = workshops.read_state(session, principal, workshop_id)
    return WorkshopView(state.workshop, state.focus_areas, state.participant_count)


def participant_view(
    session: Session, principal: Principal, workshop_id: int, area_id: int | None = None
) -> ParticipantView:
    base = _base(session, principal, workshop_id)
    view = ParticipantView(
        base.workshop,
        base.focus_areas,
        base.participant_count,
        participant=workshops.get_participant(session, principal),
        form_key=uuid.uuid4().hex,
    )
    view.kind = stage_kind(view.stage)
    if view.stage == Stage.review:
        view.review = followup.carried_actions(session, principal, workshop_id)
    if view.stage in (Stage.prioritize, Stage.closed):
        view.actions, view.causes = prioritized(session, principal, workshop_id, view.focus_areas)
        mine = ratings.my_ratings(session, principal, workshop_id)
        for row in view.actions:
            row.mine = mine.get(row.id)
    if view.kind is None or not view.focus_areas:
        return view
    if view.kind in VOTED_KINDS:
        view.voting = workshops.voting_state(view.workshop, view.kind)
        if view.voting == VotingState.open:
            view.votes_left = voting.votes_left(session, principal, workshop_id, view.kind)
            view.vote_columns, view.linked = board_columns(
                session, principal, workshop_id, view.kind, view.focus_areas
            )
            return view
        if view.voting == VotingState.revealed:
            view.ranked = _ranked(session, principal, workshop_id, view.kind, view.focus_areas)
    view.area = next((a for a in view.focus_areas if a.id == area_id), view.focus_areas[0])
    assert view.area.id is not None
    view.column, view.linked = one_column(session, principal, workshop_id, view.area.id, view.kind)
    if view.column is not None:
        view.mine = [v for v in view.column.items if v.mine]
        # Everyone's notes as the room sees them (and live updates push): without the ones held
        # for review, which only "Your notes" shows.
        view.column.items = [v for v in view.column.items if not v.item.held]
    view.wrote_here = bool(view.mine)
    before = LINKS_TO.get(Kind(view.kind))
    if before is not None:
        # What a new cause or action can link to: this area's notes first.
        others = items.list_items(session, principal, workshop_id, kind=before)
        ordered = sorted(view.focus_areas, key=lambda a: a.id != view.area.id)  # type: ignore[union-attr]
        view.candidates = [
            (area, [v for v in others if v.item.focus_area_id == area.id]) for area in ordered
        ]
        view.candidates = [(area, vs) for area, vs in view.candidates if vs]
    return view


def _ranked(
    session: Session, principal: Principal, workshop_id: int, kind: str, areas: list[FocusArea]
) -> list[RankedColumn]:
    return [
        RankedColumn(area, voting.ranking(session, principal, workshop_id, kind, area.id))
        for area in areas
    ]


@dataclass
class StageView(WorkshopView):
    """Board and facilitator: every focus area's column of the current stage."""

    kind: str | None = None
    columns: list[Column] = field(default_factory=list)
    linked: dict[int, ItemView] = field(default_factory=dict)
    form_key: str = ""
    voting: str = VotingState.closed
    progress: VotingProgress | None = None
    ranked: list[RankedColumn] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    causes: dict[int, ItemView] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=lambda: [s.value for s in Status])
    review: list[Carried] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=lambda: [c.value for c in FollowUp])
    # The board's "where we agree, where we differ" once the workshop is closed.
    agreement: breakdown.Breakdown | None = None

    @property
    def points(self) -> list[dict[str, object]]:
        return matrix_points(self.actions)

    @property
    def numbers(self) -> dict[int, int]:
        return {row.id: row.number for row in self.actions}


AGREEMENT_TOP = 5  # actions on the board's panel: what fits at room scale


def agreement(
    session: Session, principal: Principal, workshop: Workshop
) -> breakdown.Breakdown | None:
    """The top actions per organization for the closed board: once the action votes are
    revealed, with at least two groups to compare (the k rule is breakdown.py's)."""
    if workshop.stage != Stage.closed or workshop.action_voting != VotingState.revealed:
        return None
    assert workshop.id is not None
    found = breakdown.breakdown(session, principal, workshop.id, Kind.action)
    if len(found.groups) < 2 or not found.rows:
        return None
    found.rows = [r for r in found.rows if r.votes > 0][:AGREEMENT_TOP]
    return found if found.rows else None


def _with_columns(session: Session, principal: Principal, view: WorkshopView) -> StageView:
    stage_view = StageView(
        view.workshop,
        view.focus_areas,
        view.participant_count,
        view.join_url,
        view.qr,
        form_key=uuid.uuid4().hex,
    )
    stage_view.kind = stage_kind(view.stage)
    if stage_view.kind is not None:
        stage_view.columns, stage_view.linked = board_columns(
            session, principal, view.id, stage_view.kind, view.focus_areas
        )
        if stage_view.kind in VOTED_KINDS:
            stage_view.voting = workshops.voting_state(view.workshop, stage_view.kind)
            stage_view.progress = voting.progress(session, principal, view.id, stage_view.kind)
            if stage_view.voting == VotingState.revealed:
                stage_view.ranked = _ranked(
                    session, principal, view.id, stage_view.kind, view.focus_areas
                )
    if view.stage in (Stage.prioritize, Stage.closed):
        stage_view.actions, stage_view.causes = prioritized(
            session, principal, view.id, view.focus_areas
        )
        stage_view.agreement = agreement(session, principal, view.workshop)
    if view.stage == Stage.review:
        stage_view.review = followup.carried_actions(session, principal, view.id)
    return stage_view


def facilitator_view(
    session: Session, principal: Principal, workshop_id: int, base_url: str
) -> StageView:
    view = _base(session, principal, workshop_id)
    view.join_url = join_url(base_url, view.workshop.join_code)
    return _with_columns(session, principal, view)


def board_view(
    session: Session, principal: Principal, workshop_id: int, base_url: str
) -> StageView:
    # The board shows what the room may see, also when the facilitator's cookie opened it.
    public = viewer("board", workshop_id)
    view = _base(session, public, workshop_id)
    view.join_url = join_url(base_url, view.workshop.join_code)
    view.qr = qr_svg(view.join_url)
    return _with_columns(session, public, view)
