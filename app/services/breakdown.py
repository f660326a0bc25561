"""Together and each on our own: how each organization in the room voted and rated.

For each cause or action: its dots, and per organization the dots its people gave and (actions)
their mean impact and effort. The one rule that keeps this from pointing at people:

**No group of fewer than K = 3 participants is ever shown on its own.** Groups are counted by
the participants who joined, not by who voted. Organizations with fewer than K joined
participants, and participants who named none, are pooled into "Övriga"/"Others"; a pool that
still has fewer than K is left out. (Its dots stay in each note's total, which the room saw
when the votes were revealed.)

Who may see it: the facilitator at any time; the board, the follow-up link and participants
once that kind's voting is revealed. The API, the board's panel and the workbook's sheet all
come from `breakdown` / `compute` here.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.models import Item, Kind, Language, Participant, Rating, Vote, VotingState, Workshop
from app.services import ranking, voting, workshops
from app.services.auth import Principal, Role, require
from app.services.errors import NotAllowedNow

K = 3
POOL = {Language.sv: "Övriga", Language.en: "Others"}
# Two groups "agree" on a note when the one that put the fewest dots per person on it put at
# least this share of the other's.
AGREE_RATIO = 0.5


@dataclass(frozen=True)
class Group:
    name: str
    participants: int
    pooled: bool = False  # "Övriga": several small organizations together


@dataclass
class Cell:
    dots: int = 0
    ratings: int = 0
    impact: float | None = None
    effort: float | None = None


@dataclass
class Row:
    item: Item
    votes: int  # every dot on the note, as revealed to the room
    cells: dict[str, Cell] = field(default_factory=dict)  # by group name

    @property
    def id(self) -> int:
        assert self.item.id is not None
        return self.item.id

    def rate(self, group: Group) -> float:
        """Dots per participant of the group: groups of different sizes compare fairly."""
        cell = self.cells.get(group.name)
        return cell.dots / group.participants if cell and group.participants else 0.0

    def shown_dots(self, groups: list[Group]) -> bool:
        """Whether any group shown put a dot on it (the left-out pool's dots do not count)."""
        return any(self.rate(g) for g in groups)

    def agrees(self, groups: list[Group]) -> bool:
        rates = [self.rate(g) for g in groups]
        if len(rates) < 2 or max(rates) == 0:
            return True
        return min(rates) >= AGREE_RATIO * max(rates)


@dataclass
class Breakdown:
    kind: str
    groups: list[Group]
    rows: list[Row]  # most dots first
    left_out: int  # participants in a pool smaller than K, shown nowhere

    def top(self, n: int) -> list[Row]:
        return self.rows[:n]

    def scale(self, rows: list[Row]) -> float:
        """The largest dots-per-person among these rows (a bar's full length)."""
        return max((r.rate(g) for r in rows for g in self.groups), default=0.0) or 1.0


def pool_name(workshop: Workshop) -> str:
    return POOL[Language.en if workshop.language == Language.en else Language.sv]


def groups_of(workshop: Workshop, participants: list[Participant]) -> dict[int, Group]:
    """Each participant's group under the k rule; participants left out are not in the map."""
    sizes = Counter(p.organization for p in participants if p.organization)
    shown = {org for org, n in sizes.items() if n >= K}
    pooled = [p for p in participants if p.organization not in shown]
    pool = Group(pool_name(workshop), len(pooled), pooled=True)
    groups = {org: Group(org, n) for org, n in sizes.items() if org in shown}
    member: dict[int, Group] = {}
    for participant in participants:
        assert participant.id is not None
        if participant.organization in shown:
            member[participant.id] = groups[participant.organization]
        elif pool.participants >= K:
            member[participant.id] = pool
    return member


def breakdown(session: Session, principal: Principal, workshop_id: int, kind: str) -> Breakdown:
    """The breakdown for whoever asks (see the module's docstring for who may, and when)."""
    require(principal, workshop_id)
    the_kind = voting.check_kind(kind)
    workshop = workshops.get_workshop(session, workshop_id)
    if (
        principal.role is not Role.facilitator
        and workshops.voting_state(workshop, the_kind) != VotingState.revealed
    ):
        raise NotAllowedNow("The votes are not revealed yet.")
    return compute(session, workshop, the_kind)


def compute(session: Session, workshop: Workshop, kind: str) -> Breakdown:
    """The breakdown, for callers that checked who may see it (the workbook's sheet)."""
    assert workshop.id is not None
    participants = list(
        session.exec(
            select(Participant)
            .where(Participant.workshop_id == workshop.id)
            .order_by(col(Participant.id))
        ).all()
    )
    member = groups_of(workshop, participants)
    groups = sorted(
        set(member.values()), key=lambda g: (g.pooled, -g.participants, g.name.casefold())
    )
    notes = [
        note
        for note in session.exec(
            select(Item).where(
                Item.workshop_id == workshop.id,
                Item.kind == kind,
                col(Item.hidden).is_(False),
                col(Item.held).is_(False),
                col(Item.merged_into_id).is_(None),
            )
        ).all()
        if kind != Kind.action or ranking.in_play(note)
    ]
    totals = ranking.dot_counts(session, workshop.id, kind)
    rows = {
        placed.item.id: Row(placed.item, placed.votes)
        for placed in ranking.vote_result(notes, totals)
    }
    for participant_id, item_id in session.exec(
        select(Vote.participant_id, Vote.item_id).where(
            Vote.workshop_id == workshop.id, Vote.kind == kind
        )
    ).all():
        group = member.get(participant_id)
        if group is not None and item_id in rows:
            rows[item_id].cells.setdefault(group.name, Cell()).dots += 1
    if kind == Kind.action:
        scores: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        for rating in session.exec(select(Rating).where(Rating.workshop_id == workshop.id)).all():
            group = member.get(rating.participant_id)
            if group is not None and rating.item_id in rows:
                scores[(rating.item_id, group.name)].append((rating.impact, rating.effort))
        for (item_id, name), given in scores.items():
            cell = rows[item_id].cells.setdefault(name, Cell())
            cell.ratings = len(given)
            cell.impact = sum(i for i, _ in given) / len(given)
            cell.effort = sum(e for _, e in given) / len(given)
    left_out = len(participants) - len(member)
    return Breakdown(kind, groups, list(rows.values()), left_out)
