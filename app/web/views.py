"""What each page shows, gathered from the services in one place per page. No rules here: what a
role may see is decided by the services these call."""

from dataclasses import dataclass, field

from sqlmodel import Session

from app.models import STAGES, FocusArea, Participant, Workshop
from app.services import timer, workshops
from app.services.auth import Principal
from app.web.links import join_url
from app.web.qr import qr_svg


@dataclass
class WorkshopView:
    workshop: Workshop
    focus_areas: list[FocusArea]
    participant_count: int
    join_url: str = ""
    qr: str = ""
    stages: list[str] = field(default_factory=lambda: [s.value for s in STAGES])

    @property
    def id(self) -> int:
        assert self.workshop.id is not None
        return self.workshop.id

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
class ParticipantView(WorkshopView):
    participant: Participant | None = None


def _base(session: Session, principal: Principal, workshop_id: int) -> WorkshopView:
    state = workshops.read_state(session, principal, workshop_id)
    return WorkshopView(state.workshop, state.focus_areas, state.participant_count)


def participant_view(session: Session, principal: Principal, workshop_id: int) -> ParticipantView:
    base = _base(session, principal, workshop_id)
    return ParticipantView(
        base.workshop,
        base.focus_areas,
        base.participant_count,
        participant=workshops.get_participant(session, principal),
    )


def facilitator_view(
    session: Session, principal: Principal, workshop_id: int, base_url: str
) -> WorkshopView:
    view = _base(session, principal, workshop_id)
    view.join_url = join_url(base_url, view.workshop.join_code)
    return view


def board_view(
    session: Session, principal: Principal, workshop_id: int, base_url: str
) -> WorkshopView:
    view = _base(session, principal, workshop_id)
    view.join_url = join_url(base_url, view.workshop.join_code)
    view.qr = qr_svg(view.join_url)
    return view
