"""Dots and links hold their rules whatever the room does, in whatever order: hypothesis drives a
workshop through random dots, undos, hides, merges, stage moves, voting states and notes with
links (some to another workshop's notes), and after every step checks:

- no participant has more dots of a kind on visible notes than the budget;
- no participant has more dots on one note than the cap;
- every link joins two notes of one workshop, of the kinds the vocabulary links
  (app/services/vocabulary.py: a cause to a situation note, an action to a cause).

Against the services on the test database (SQLite or PostgreSQL), bounded in examples and steps.
"""

from collections import Counter

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Item, Link, Vote
from app.services import items, uow, voting, workshops
from app.services.auth import Principal, Role
from app.services.errors import DomainError
from app.services.vocabulary import LINKS_TO

BUDGET, CAP = 3, 2
KINDS = ("situation", "cause", "action")
STAGES = ("situation", "causes", "actions", "prioritize", "closed")
STATES = ("closed", "open", "revealed")


def _workshop(title: str) -> tuple[int, int, list[Principal]]:
    created = uow.run(
        workshops.create_workshop,
        workshops.WorkshopInput(title=title, votes_per_participant=BUDGET, max_votes_per_item=CAP),
    )
    wid = created.workshop.id
    assert wid is not None
    phones = []
    for i in range(2):
        joined = uow.run(workshops.join, created.workshop.join_code, f"P{i}", "Kommunen")
        phones.append(Principal(Role.participant, wid, joined.participant.id))
    area = created.focus_areas[0].id
    assert area is not None
    return wid, area, phones


class Room(RuleBasedStateMachine):
    notes = Bundle("notes")
    voted = Bundle("voted")  # notes someone has tapped a dot on: merges and undos find them
    strangers = Bundle("strangers")  # another workshop's notes, only ever offered as links

    @initialize(target=notes)
    def start(self):  # type: ignore[no-untyped-def]
        self.wid, self.area, self.phones = _workshop("Egen")
        self.fac = Principal(Role.facilitator, self.wid)
        own = self._seed(self.fac, self.wid, self.area)
        for kind in ("cause", "action"):
            uow.run(voting.set_voting, self.fac, self.wid, kind, "open")
        return multiple(*own)

    @initialize(target=strangers)
    def strange(self):  # type: ignore[no-untyped-def]
        """Another workshop's notes of every kind: links to them must always be refused."""
        other, other_area, _ = _workshop("Annan")
        return multiple(*self._seed(Principal(Role.facilitator, other), other, other_area))

    @staticmethod
    def _seed(fac: Principal, wid: int, area: int) -> list[int]:
        """Two notes of each kind, each cause and action linked to the first of the kind before."""
        made: list[int] = []
        for kind, stage in zip(KINDS, ("situation", "causes", "actions"), strict=True):
            uow.run(workshops.set_stage, fac, wid, stage)
            links = [made[-2]] if made else []
            for n in range(2):
                view, _ = uow.run(items.add_item, fac, wid, kind, area, f"{kind} {n}", links)
                made.append(view.id)
        return made

    def _try(self, fn, *args) -> bool:  # type: ignore[no-untyped-def]
        """Whether the change was made; refused by a rule is fine, the invariants say whether
        anything slipped through."""
        try:
            uow.run(fn, *args)
        except DomainError:
            return False
        return True

    @rule(
        target=notes,
        kind=st.sampled_from(KINDS),
        links=st.lists(notes | strangers, max_size=3),
        by=st.integers(0, 2),
    )
    def add_note(self, kind: str, links: list[int], by: int):  # type: ignore[no-untyped-def]
        who = self.fac if by == 2 else self.phones[by]
        try:
            view, _ = uow.run(items.add_item, who, self.wid, kind, self.area, "Not", links)
        except DomainError:
            return multiple()
        return view.id

    @rule(note=notes, links=st.lists(notes | strangers, max_size=3))
    def relink(self, note: int, links: list[int]) -> None:
        self._try(items.update_item, self.fac, note, items.ItemPatch(links=links), None)

    @rule(target=voted, phone=st.integers(0, 1), note=notes, taps=st.integers(1, 3))
    def dots(self, phone: int, note: int, taps: int):  # type: ignore[no-untyped-def]
        landed = sum(self._try(voting.cast_vote, self.phones[phone], note) for _ in range(taps))
        return note if landed else multiple()

    @rule(phone=st.integers(0, 1), note=voted)
    def undo(self, phone: int, note: int) -> None:
        self._try(voting.remove_vote, self.phones[phone], note)

    @rule(note=voted | notes, hidden=st.booleans())
    def hide(self, note: int, hidden: bool) -> None:
        self._try(items.update_item, self.fac, note, items.ItemPatch(hidden=hidden), None)

    @rule(note=voted, into=voted)
    def merge(self, note: int, into: int) -> None:
        self._try(items.merge_items, self.fac, note, into)

    @rule(stage=st.sampled_from(STAGES))
    def move(self, stage: str) -> None:
        self._try(workshops.set_stage, self.fac, self.wid, stage)

    @rule(kind=st.sampled_from(("cause", "action")), state=st.sampled_from(STATES))
    def voting_state(self, kind: str, state: str) -> None:
        self._try(voting.set_voting, self.fac, self.wid, kind, state)

    @invariant()
    def dots_within_budget_and_cap(self) -> None:
        if not hasattr(self, "wid"):
            return
        with Session(get_engine()) as s:
            rows = s.exec(
                select(Vote.participant_id, Vote.kind, Vote.item_id, Item.hidden, Item.workshop_id)
                .join(Item, Item.id == Vote.item_id)
                .where(Vote.workshop_id == self.wid)
            ).all()
        per_kind = Counter((p, kind) for p, kind, _, hidden, _ in rows if not hidden)
        per_note = Counter((p, note) for p, _, note, _, _ in rows)
        assert all(w == self.wid for *_, w in rows), "a dot on another workshop's note"
        assert max(per_kind.values(), default=0) <= BUDGET, per_kind
        assert max(per_note.values(), default=0) <= CAP, per_note

    @invariant()
    def links_stay_in_the_workshop_and_join_the_right_kinds(self) -> None:
        if not hasattr(self, "wid"):
            return
        with Session(get_engine()) as s:
            links = s.exec(select(Link).where(Link.workshop_id == self.wid)).all()
            for link in links:
                source, target = s.get(Item, link.from_item_id), s.get(Item, link.to_item_id)
                assert source is not None and target is not None
                assert source.workshop_id == target.workshop_id == self.wid
                assert LINKS_TO.get(source.kind) == target.kind, (source.kind, target.kind)


def test_dots_and_links_keep_their_rules_whatever_the_order(migrated: None) -> None:
    run_state_machine_as_test(
        Room,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def _dots(participant_id: int) -> Counter:
    with Session(get_engine()) as s:
        return Counter(
            s.exec(select(Vote.item_id).where(Vote.participant_id == participant_id)).all()
        )


def test_a_merge_gives_back_the_dots_over_the_cap_on_the_survivor(migrated: None) -> None:
    """Found by the machine above: 2 dots on a cause and 1 on its duplicate, merged, were 3."""
    wid, area, phones = _workshop("Sammanslagning")
    fac = Principal(Role.facilitator, wid)
    ids = Room._seed(fac, wid, area)
    uow.run(voting.set_voting, fac, wid, "cause", "open")
    first, duplicate = ids[2], ids[3]
    for note in (first, first, duplicate):
        uow.run(voting.cast_vote, phones[0], note)
    uow.run(items.merge_items, fac, duplicate, first)
    assert _dots(phones[0].participant_id or 0) == {first: CAP}


def test_showing_a_hidden_note_again_gives_back_the_dots_over_the_budget(migrated: None) -> None:
    """Dots on a hidden note are given back; spent elsewhere, they cannot all come back."""
    wid, area, phones = _workshop("Dold")
    fac = Principal(Role.facilitator, wid)
    ids = Room._seed(fac, wid, area)
    uow.run(voting.set_voting, fac, wid, "cause", "open")
    hidden, other = ids[2], ids[3]
    for note in (hidden, hidden):
        uow.run(voting.cast_vote, phones[0], note)
    uow.run(items.update_item, fac, hidden, items.ItemPatch(hidden=True), None)
    for note in (other, other):
        uow.run(voting.cast_vote, phones[0], note)
    uow.run(items.update_item, fac, hidden, items.ItemPatch(hidden=False), None)
    dots = _dots(phones[0].participant_id or 0)
    assert sum(dots.values()) == BUDGET and dots[other] == CAP  # the newest given back
