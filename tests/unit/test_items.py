"""The rules of notes, against the service layer."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Link, Vote
from app.services import items, uow, workshops
from app.services.auth import Principal, Role
from app.services.errors import Forbidden, Invalid, NotAllowedNow


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def add(session: Session, w, who: Principal, kind: str, text: str, links=(), area: int = 0) -> int:
    item, _ = uow.run(items.add_item, who, w.id, kind, w.area(area), text, list(links))
    assert item.id is not None
    return item.id


def test_merging_a_duplicate_moves_its_dots_and_links_to_the_survivor(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    fac = w.facilitator_principal
    seen = add(session, w, fac, "situation", "Droghandel vid resecentrum")
    keep = add(session, w, fac, "cause", "Unga saknar fritid", links=[seen])
    dup = add(session, w, fac, "cause", "Brist på fritidsaktiviteter", links=[seen])
    action = add(session, w, fac, "action", "Öppna fritidsgården fler kvällar", links=[dup])
    for member in w.participants:
        session.add(Vote(workshop_id=w.id, participant_id=member.id, item_id=dup, kind="cause"))
    session.commit()
    uow.run(items.merge_items, fac, dup, keep)
    votes = session.exec(select(Vote.item_id)).all()
    assert votes == [keep, keep]
    pairs = {(link.from_item_id, link.to_item_id) for link in session.exec(select(Link)).all()}
    assert pairs == {(keep, seen), (action, keep)}  # no duplicate link, the action follows
    public = items.list_items(session, Principal(Role.board, w.id), w.id, kind="cause")
    assert [v.item.text for v in public] == ["Unga saknar fritid"]


def test_an_author_cannot_edit_after_the_stage_is_over(session: Session, make_workshop) -> None:
    w = make_workshop(participants=2, stage="situation")
    me = w.participants[0].principal(w.id)
    note = add(session, w, me, "situation", "Min iakttagelse")
    with pytest.raises(Forbidden):
        uow.run(
            items.update_item, w.participants[1].principal(w.id), note, items.ItemPatch(text="x")
        )
    session.rollback()
    uow.run(workshops.set_stage, w.facilitator_principal, w.id, "causes")
    with pytest.raises(NotAllowedNow):
        uow.run(items.update_item, me, note, items.ItemPatch(text="Ändrad för sent"))
    session.rollback()
    with pytest.raises(Forbidden):  # moderation is the facilitator's
        uow.run(items.update_item, me, note, items.ItemPatch(hidden=True))


def test_the_board_is_read_in_a_fixed_number_of_queries(session: Session, make_workshop) -> None:
    w = make_workshop(participants=30, stage="causes")
    fac = w.facilitator_principal
    seen = [add(session, w, fac, "situation", f"Iakttagelse {i}", area=i % 3) for i in range(30)]
    for i, member in enumerate(w.participants):
        add(
            session,
            w,
            member.principal(w.id),
            "cause",
            f"Orsak {i}",
            links=seen[i : i + 3],
            area=i % 3,
        )
    session.expunge_all()
    with count_queries() as few:
        small = items.list_items(session, Principal(Role.board, w.id), w.id, kind="cause")
    for i, member in enumerate(w.participants):
        add(session, w, member.principal(w.id), "cause", f"Fler {i}", links=seen[:2], area=i % 3)
    session.expunge_all()
    with count_queries() as many:
        large = items.list_items(session, Principal(Role.board, w.id), w.id, kind="cause")
    assert (len(small), len(large)) == (30, 60)
    assert len(many) == len(few) <= 5


def test_names_appear_only_when_the_facilitator_shows_them(session: Session, make_workshop) -> None:
    w = make_workshop(participants=1, stage="situation")
    add(session, w, w.participants[0].principal(w.id), "situation", "Skadegörelse")
    board = Principal(Role.board, w.id)
    assert items.list_items(session, board, w.id)[0].author_name is None
    uow.run(items.set_show_names, w.facilitator_principal, w.id, True)
    assert items.list_items(session, board, w.id)[0].author_name == "Deltagare 1"


def test_an_edit_sent_after_the_facilitator_hid_the_note_is_refused(
    session: Session, make_workshop
) -> None:
    """The phone showed the note before the facilitator hid it; its edit arrives after."""
    w = make_workshop(participants=1, stage="situation")
    author = w.participants[0].principal(w.id)
    note = add(session, w, author, "situation", "Min iakttagelse")
    uow.run(items.update_item, w.facilitator_principal, note, items.ItemPatch(hidden=True))
    with pytest.raises(NotAllowedNow):
        uow.run(items.update_item, author, note, items.ItemPatch(text="Ändrad"))
    assert session.get(items.Item, note).text == "Min iakttagelse"


def test_two_notes_cannot_be_merged_into_each_other(session: Session, make_workshop) -> None:
    w = make_workshop()
    fac = w.facilitator_principal
    a = add(session, w, fac, "situation", "Droghandel vid torget")
    b = add(session, w, fac, "situation", "Langning vid torget")
    uow.run(items.merge_items, fac, a, b)
    with pytest.raises(Invalid):
        uow.run(items.merge_items, fac, b, a)
    session.rollback()
    visible = items.list_items(session, Principal(Role.board, w.id), w.id)
    assert [v.item.text for v in visible] == ["Langning vid torget"]
