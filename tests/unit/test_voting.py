"""Voting, ranking, shortlist and ratings against the services: the rules, races included."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from threading import Barrier

import pytest
from sqlalchemy import event, func
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Item, Rating, Vote
from app.services import events, items, ratings, uow, voting, workshops
from app.services.auth import Principal, Role
from app.services.errors import (
    BudgetSpent,
    Forbidden,
    Invalid,
    NotAllowedNow,
)


def note(session: Session, w, kind: str, text: str = "En lapp", area: int = 0) -> int:
    item, _ = uow.run(items.add_item, w.facilitator_principal, w.id, kind, w.area(area), text)
    assert item.id is not None
    return item.id


def open_voting(session: Session, w, kind: str, state: str = "open") -> None:
    uow.run(voting.set_voting, w.facilitator_principal, w.id, kind, state)


def to_prioritize(session: Session, w) -> None:
    uow.run(workshops.set_stage, w.facilitator_principal, w.id, "prioritize")


def dots(session: Session, item_id: int | None = None) -> int:
    query = select(func.count()).select_from(Vote)
    if item_id is not None:
        query = query.where(Vote.item_id == item_id)
    return session.exec(query).one()


def in_parallel(calls: list[Callable[[], object]]) -> list[str]:
    """Run each call at the same moment in its own thread; say how each went."""
    barrier = Barrier(len(calls))

    def run(call: Callable[[], object]) -> str:
        barrier.wait()
        try:
            call()
        except BudgetSpent:
            return "refused"
        return "counted"

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, call) for call in calls]]


def test_six_parallel_votes_with_three_dots_count_exactly_three(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=1, votes_per_participant=3, max_votes_per_item=2)
    causes = [note(session, w, "cause", f"Orsak {i}") for i in range(6)]
    open_voting(session, w, "cause")
    me = w.participants[0].principal(w.id)

    outcomes = in_parallel(
        [lambda item_id=item_id: uow.run(voting.cast_vote, me, item_id) for item_id in causes]
    )

    assert sorted(outcomes) == ["counted"] * 3 + ["refused"] * 3
    assert dots(session) == 3
    assert voting.votes_left(session, me, w.id, "cause") == 0


def test_parallel_votes_on_one_note_stop_at_the_cap(session: Session, make_workshop) -> None:
    w = make_workshop(participants=1, votes_per_participant=5, max_votes_per_item=2)
    cause = note(session, w, "cause")
    open_voting(session, w, "cause")
    me = w.participants[0].principal(w.id)

    outcomes = in_parallel([lambda: uow.run(voting.cast_vote, me, cause)] * 5)

    assert outcomes.count("counted") == 2
    assert dots(session, cause) == 2


def test_a_room_voting_at_once_loses_no_dot(session: Session, make_workshop) -> None:
    w = make_workshop(participants=8, votes_per_participant=2, max_votes_per_item=2)
    causes = [note(session, w, "cause", f"Orsak {i}") for i in range(4)]
    open_voting(session, w, "cause")
    calls = [
        lambda p=p.principal(w.id), item_id=causes[(i + n) % 4]: uow.run(
            voting.cast_vote, p, item_id
        )
        for i, p in enumerate(w.participants)
        for n in range(3)  # one tap too many each
    ]

    outcomes = in_parallel(calls)

    assert outcomes.count("counted") == 16
    assert dots(session) == 16
    vote_events = [e for e in events.events_since(session, w.id, 0) if e.kind == "vote.cast"]
    assert len(vote_events) == 16


def test_vote_over_budget_is_refused(session: Session, make_workshop) -> None:
    w = make_workshop(participants=1, votes_per_participant=2, max_votes_per_item=2)
    first, second = note(session, w, "cause", "A"), note(session, w, "cause", "B")
    open_voting(session, w, "cause")
    me = w.participants[0].principal(w.id)
    assert uow.run(voting.cast_vote, me, first) == 1
    assert uow.run(voting.cast_vote, me, second) == 0
    with pytest.raises(BudgetSpent):
        uow.run(voting.cast_vote, me, first)
    session.rollback()
    assert dots(session) == 2


def test_budget_is_per_kind(session: Session, make_workshop) -> None:
    w = make_workshop(participants=1, votes_per_participant=1, max_votes_per_item=1)
    cause, action = note(session, w, "cause"), note(session, w, "action")
    open_voting(session, w, "cause")
    open_voting(session, w, "action")
    me = w.participants[0].principal(w.id)
    assert uow.run(voting.cast_vote, me, cause) == 0
    assert uow.run(voting.cast_vote, me, action) == 0


def test_a_dot_on_a_note_the_facilitator_hides_is_given_back(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=1, votes_per_participant=1, max_votes_per_item=1)
    spam, good = note(session, w, "cause", "Reklam"), note(session, w, "cause", "Orsak")
    open_voting(session, w, "cause")
    me = w.participants[0].principal(w.id)
    uow.run(voting.cast_vote, me, spam)
    uow.run(items.update_item, w.facilitator_principal, spam, items.ItemPatch(hidden=True))
    assert voting.votes_left(session, me, w.id, "cause") == 1
    assert uow.run(voting.cast_vote, me, good) == 0
    with pytest.raises(NotAllowedNow):
        uow.run(voting.cast_vote, me, spam)


def test_dots_follow_a_merged_note_and_the_duplicate_takes_none(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=1)
    twin, survivor = note(session, w, "cause", "Otrygg park"), note(session, w, "cause", "Park")
    open_voting(session, w, "cause")
    me = w.participants[0].principal(w.id)
    uow.run(voting.cast_vote, me, twin)
    uow.run(items.merge_items, w.facilitator_principal, twin, survivor)
    with pytest.raises(NotAllowedNow):
        uow.run(voting.cast_vote, me, twin)
    session.rollback()
    assert dots(session, survivor) == 1
    assert uow.run(voting.remove_vote, me, survivor) == 3


def test_only_causes_and_actions_take_dots_and_only_while_open(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=1)
    seen, cause = note(session, w, "situation"), note(session, w, "cause")
    me = w.participants[0].principal(w.id)
    with pytest.raises(NotAllowedNow):
        uow.run(voting.cast_vote, me, cause)  # still closed
    session.rollback()
    open_voting(session, w, "cause")
    with pytest.raises(NotAllowedNow):
        uow.run(voting.cast_vote, me, seen)
    session.rollback()
    uow.run(voting.cast_vote, me, cause)
    open_voting(session, w, "cause", "revealed")
    with pytest.raises(NotAllowedNow):
        uow.run(voting.remove_vote, me, cause)  # the result stands once revealed
    session.rollback()
    assert dots(session) == 1


def test_vote_events_never_say_who_voted(session: Session, make_workshop) -> None:
    w = make_workshop(participants=1)
    cause = note(session, w, "cause")
    open_voting(session, w, "cause")
    me = w.participants[0].principal(w.id)
    uow.run(voting.cast_vote, me, cause)
    uow.run(voting.remove_vote, me, cause)
    logged = events.events_since(session, w.id, 0)
    votes = [(e.kind, e.data) for e in logged if e.kind.startswith("vote.")]
    area = w.area(0)
    assert votes == [
        ("vote.cast", {"item_id": cause, "kind": "cause", "area": area}),
        ("vote.removed", {"item_id": cause, "kind": "cause", "area": area}),
    ]
    assert [e.seq for e in logged] == list(range(1, len(logged) + 1))  # no gaps


def test_setting_the_same_voting_state_again_logs_nothing(session: Session, make_workshop) -> None:
    w = make_workshop()
    open_voting(session, w, "action")
    before = events.events_since(session, w.id, 0)
    open_voting(session, w, "action")
    after = events.events_since(session, w.id, 0)
    assert after == before
    assert after[-1].kind == "voting" and after[-1].data == {"kind": "action", "state": "open"}


def test_only_the_facilitator_sets_voting_and_only_for_causes_or_actions(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=1)
    with pytest.raises(Forbidden):
        uow.run(voting.set_voting, w.participants[0].principal(w.id), w.id, "cause", "open")
    with pytest.raises(Invalid) as bad_kind:
        open_voting(session, w, "situation")
    with pytest.raises(Invalid) as bad_state:
        open_voting(session, w, "cause", "paused")
    assert (bad_kind.value.field, bad_state.value.field) == ("kind", "state")


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_vote_costs_the_same_few_queries_however_full_the_room(
    session: Session, make_workshop
) -> None:
    small = make_workshop(participants=1, votes_per_participant=5)
    big = make_workshop(participants=30, votes_per_participant=5)
    costs = []
    for w in (small, big):
        causes = [note(session, w, "cause", f"Orsak {i}") for i in range(5)]
        open_voting(session, w, "cause")
        for p in w.participants:
            for item_id in causes[:2]:
                uow.run(voting.cast_vote, p.principal(w.id), item_id)
        with counted_statements() as seen:
            uow.run(voting.cast_vote, w.participants[0].principal(w.id), causes[3])
        costs.append(len(seen))
    assert costs[0] == costs[1]
    # BEGIN, SAVEPOINT; the lock; the note; the count; the dot; the event; RELEASE.
    assert costs[1] <= 8, [q[:40] for q in seen]


def test_progress_counts_people_not_who_voted_what(session: Session, make_workshop) -> None:
    w = make_workshop(participants=3, votes_per_participant=2, max_votes_per_item=2)
    cause = note(session, w, "cause")
    open_voting(session, w, "cause")
    first, second = (p.principal(w.id) for p in w.participants[:2])
    uow.run(voting.cast_vote, first, cause)
    uow.run(voting.cast_vote, first, cause)
    uow.run(voting.cast_vote, second, cause)

    seen_by_facilitator = voting.progress(session, w.facilitator_principal, w.id, "cause")
    assert (seen_by_facilitator.participants, seen_by_facilitator.voters) == (3, 2)
    assert (seen_by_facilitator.finished, seen_by_facilitator.dots_used) == (1, 3)
    assert seen_by_facilitator.dots_total == 6
    assert seen_by_facilitator.totals == {cause: 3}
    assert voting.progress(session, second, w.id, "cause").totals is None
    board = Principal(Role.board, w.id)
    assert voting.progress(session, board, w.id, "cause").voters == 2
    open_voting(session, w, "cause", "revealed")
    assert voting.progress(session, board, w.id, "cause").totals == {cause: 3}


def test_ranking_is_by_dots_then_oldest_first(session: Session, make_workshop) -> None:
    w = make_workshop(participants=2, votes_per_participant=3, max_votes_per_item=2)
    old, middle, new, none = (note(session, w, "action", t) for t in "ABCD")
    open_voting(session, w, "action")
    a, b = (p.principal(w.id) for p in w.participants)
    for who, item_id in [(a, new), (a, new), (b, old), (b, middle), (b, new)]:
        uow.run(voting.cast_vote, who, item_id)
    open_voting(session, w, "action", "revealed")

    ranked = voting.ranking(session, a, w.id, "action")

    assert [(r.item.id, r.votes, r.rank) for r in ranked] == [
        (new, 3, 1),
        (old, 1, 2),
        (middle, 1, 2),
        (none, 0, 4),
    ]


def test_the_room_sees_no_ranking_before_reveal(session: Session, make_workshop) -> None:
    w = make_workshop(participants=1)
    note(session, w, "cause")
    open_voting(session, w, "cause")
    with pytest.raises(NotAllowedNow):
        voting.ranking(session, w.participants[0].principal(w.id), w.id, "cause")
    with pytest.raises(NotAllowedNow):
        voting.ranking(session, Principal(Role.board, w.id), w.id, "cause")
    assert len(voting.ranking(session, w.facilitator_principal, w.id, "cause")) == 1


def vote_actions(session: Session, w, plan: dict[int, int]) -> None:
    """Spread dots over actions: {item_id: dots}, one participant per dot."""
    open_voting(session, w, "action")
    voters = iter(w.participants)
    for item_id, count in plan.items():
        for _ in range(count):
            uow.run(voting.cast_vote, next(voters).principal(w.id), item_id)
    open_voting(session, w, "action", "revealed")


def test_shortlist_takes_the_top_n_and_replaces_the_old_one(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=6)
    a, b, c, d = (note(session, w, "action", t) for t in "ABCD")
    uow.run(items.update_item, w.facilitator_principal, d, items.ItemPatch(shortlisted=True))
    vote_actions(session, w, {a: 1, b: 3, c: 2})

    chosen = uow.run(voting.shortlist_top, w.facilitator_principal, w.id, 2)

    assert chosen == [b, c]
    flags = {i.id: i.shortlisted for i in session.exec(select(Item)).all()}
    assert flags == {a: False, b: True, c: True, d: False}
    assert events.events_since(session, w.id, 0)[-1].data["item_ids"] == [b, c]


def test_shortlist_skips_actions_without_dots(session: Session, make_workshop) -> None:
    w = make_workshop(participants=1)
    voted, _ignored = note(session, w, "action", "A"), note(session, w, "action", "B")
    vote_actions(session, w, {voted: 1})
    assert uow.run(voting.shortlist_top, w.facilitator_principal, w.id, 3) == [voted]


def test_shortlist_in_one_focus_area_leaves_the_others_alone(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    here, there = note(session, w, "action", "A", area=0), note(session, w, "action", "B", area=1)
    uow.run(items.update_item, w.facilitator_principal, there, items.ItemPatch(shortlisted=True))
    vote_actions(session, w, {here: 1})
    chosen = uow.run(voting.shortlist_top, w.facilitator_principal, w.id, 1, w.area(0))
    assert chosen == [here]
    assert session.get(Item, there, populate_existing=True).shortlisted  # type: ignore[union-attr]


def test_shortlist_waits_for_the_voting_to_end(session: Session, make_workshop) -> None:
    w = make_workshop(participants=1)
    note(session, w, "action")
    open_voting(session, w, "action")
    with pytest.raises(NotAllowedNow):
        uow.run(voting.shortlist_top, w.facilitator_principal, w.id, 3)
    session.rollback()
    with pytest.raises(Invalid):
        uow.run(voting.shortlist_top, w.facilitator_principal, w.id, 0)
    with pytest.raises(Forbidden):
        uow.run(voting.shortlist_top, w.participants[0].principal(w.id), w.id, 3)


def test_a_rating_is_saved_once_per_person_and_can_be_changed(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    action = note(session, w, "action")
    to_prioritize(session, w)
    a, b = (p.principal(w.id) for p in w.participants)
    uow.run(ratings.rate_action, a, action, 5, 1)
    uow.run(ratings.rate_action, a, action, 4, 2)
    uow.run(ratings.rate_action, b, action, 2, 4)

    assert session.exec(select(func.count()).select_from(Rating)).one() == 2
    summary = ratings.rating_summary(session, w.id)[action]
    assert (summary.count, summary.impact, summary.effort) == (2, 3.0, 3.0)
    assert summary.impact_spread == pytest.approx(1.0)
    assert {r.impact for r in ratings.my_ratings(session, a, w.id).values()} == {4}
    kinds = [e.kind for e in events.events_since(session, w.id, 0)]
    assert kinds.count("rating.saved") == 3


def test_ratings_happen_only_in_the_prioritize_stage(session: Session, make_workshop) -> None:
    w = make_workshop(participants=1, stage="actions")
    action = note(session, w, "action")
    with pytest.raises(NotAllowedNow):
        uow.run(ratings.rate_action, w.participants[0].principal(w.id), action, 3, 3)
    session.rollback()
    assert session.exec(select(func.count()).select_from(Rating)).one() == 0


def test_once_any_action_is_shortlisted_only_those_are_rated(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=1)
    chosen, other = note(session, w, "action", "A"), note(session, w, "action", "B")
    uow.run(items.update_item, w.facilitator_principal, chosen, items.ItemPatch(shortlisted=True))
    to_prioritize(session, w)
    me = w.participants[0].principal(w.id)
    uow.run(ratings.rate_action, me, chosen, 3, 3)
    with pytest.raises(NotAllowedNow):
        uow.run(ratings.rate_action, me, other, 3, 3)


@pytest.mark.parametrize(
    ("impact", "effort", "field"),
    [(0, 3, "impact"), (6, 3, "impact"), (3, 0, "effort"), (3, 9, "effort"), (True, 3, "impact")],
)
def test_ratings_outside_one_to_five_name_the_field(
    session: Session, make_workshop, impact: object, effort: object, field: str
) -> None:
    w = make_workshop(participants=1)
    action = note(session, w, "action")
    to_prioritize(session, w)
    with pytest.raises(Invalid) as refused:
        uow.run(ratings.rate_action, w.participants[0].principal(w.id), action, impact, effort)
    assert refused.value.field == field
