"""One order and one number per action, whoever looks: the board's list and matrix, the
facilitator's table, the follow-up page and the workbook."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Item, Rating, Vote
from app.services import export, uow, voting, workshops
from app.services.auth import Principal, Role
from app.web.views import board_view, facilitator_view
from tests.unit.test_export import add, column, workbook_of


def dots(session: Session, w, item_id: int, count: int) -> None:
    for i in range(count):
        session.add(
            Vote(
                workshop_id=w.id,
                participant_id=w.participants[i % len(w.participants)].id,
                item_id=item_id,
                kind="action",
            )
        )


def test_every_screen_and_the_workbook_give_an_action_the_same_number(
    session: Session, make_workshop
) -> None:
    w = make_workshop(participants=4, stage="prioritize")
    # Dots not revealed: the board's principal cannot see them, its numbers must not differ.
    walks = add(session, w, "action", "Föräldravandringar", shortlisted=True)
    cameras = add(session, w, "action", "Fler kameror", shortlisted=True)
    police = add(session, w, "action", "Områdespoliser", area=1, shortlisted=True, priority=1)
    lamps = add(session, w, "action", "Belysning", area=1, shortlisted=True)
    left = add(session, w, "action", "Ordningsvakter", area=2)  # not taken forward
    hidden = add(session, w, "action", "Dold", shortlisted=True, hidden=True)
    dots(session, w, left, 4)  # the most dots, but not taken forward: after those that were
    dots(session, w, cameras, 3)
    dots(session, w, walks, 1)
    dots(session, w, lamps, 1)
    first = w.participants[0].id
    session.add(Rating(workshop_id=w.id, participant_id=first, item_id=lamps, impact=5, effort=2))
    session.add(Rating(workshop_id=w.id, participant_id=first, item_id=walks, impact=3, effort=2))
    session.add(Rating(workshop_id=w.id, participant_id=first, item_id=police, impact=2, effort=4))
    session.commit()
    # Priority, then dots, then the older note; ratings move no number while the room rates.
    expected = {police: 1, cameras: 2, walks: 3, lamps: 4}

    board = board_view(session, Principal(Role.board, w.id), w.id, "http://x")
    facilitator = facilitator_view(session, w.facilitator_principal, w.id, "http://x")
    for view in (board, facilitator):
        assert {row.id: row.number for row in view.actions} == expected
        assert {p["text"]: p["label"] for p in view.points} == {
            "Områdespoliser": "1",
            "Föräldravandringar": "3",
            "Belysning": "4",
        }
    results = export.results(session, Principal(Role.followup, w.id), w.id)
    assert {a.id: a.rank for a in results.actions} == {**expected, left: 5}
    assert hidden not in {a.id for a in results.actions}
    assert {p["text"]: p["label"] for p in results.matrix_points()} == {
        "Områdespoliser": 1,
        "Föräldravandringar": 3,
        "Belysning": 4,
    }
    plan = workbook_of(session, w).worksheets[0]
    assert dict(zip(column(plan, "ID"), column(plan, "Plats"), strict=True)) == expected


def test_a_shortlist_per_focus_area_takes_the_top_of_each_area(
    client: TestClient, session: Session, make_workshop
) -> None:
    w = make_workshop(participants=7, stage="actions")
    drugs = [add(session, w, "action", f"Narkotika {i}") for i in range(3)]
    unsafe = [add(session, w, "action", f"Otrygghet {i}", area=1) for i in range(4)]
    quiet = add(session, w, "action", "Påverkan utan prickar", area=2)
    for item_id, count in zip(drugs, (7, 2, 0), strict=True):
        dots(session, w, item_id, count)
    for item_id, count in zip(unsafe, (9, 8, 8, 1), strict=True):
        dots(session, w, item_id, count)
    session.commit()
    uow.run(voting.set_voting, w.facilitator_principal, w.id, "action", "revealed")
    response = client.post(
        f"/api/v1/workshops/{w.id}/shortlist",
        json={"top": 2, "per_area": True},
        headers=w.facilitator,
    )
    assert response.status_code == 200, response.text
    # Two from each area that has dots: the ties at the cut go to the older note.
    assert sorted(response.json()["item_ids"]) == sorted([drugs[0], drugs[1], unsafe[0], unsafe[1]])
    session.expire_all()
    assert not session.get(Item, quiet).shortlisted  # no dots, not taken forward
    # Overall, the top 2 would have taken none from Narkotika.
    overall = client.post(
        f"/api/v1/workshops/{w.id}/shortlist", json={"top": 2}, headers=w.facilitator
    ).json()["item_ids"]
    assert sorted(overall) == sorted([unsafe[0], unsafe[1]])
    bad = client.post(
        f"/api/v1/workshops/{w.id}/shortlist",
        json={"top": 2, "per_area": True, "focus_area_id": w.area(0)},
        headers=w.facilitator,
    )
    assert bad.status_code == 422
    assert workshops.get_workshop(session, w.id).action_voting == "revealed"


def test_a_per_area_shortlist_is_marked_in_the_workbook(
    client: TestClient, session: Session, make_workshop
) -> None:
    """The workbook a follow-up owner opens shows which actions went on, per focus area, in a
    column they can filter on, and the action plan sheet holds just those."""
    w = make_workshop(participants=7, stage="actions")
    drugs = [add(session, w, "action", f"Narkotika {i}") for i in range(2)]
    unsafe = [add(session, w, "action", f"Otrygghet {i}", area=1) for i in range(2)]
    for item_id, count in zip([*drugs, *unsafe], (7, 1, 9, 8), strict=True):
        dots(session, w, item_id, count)
    session.commit()
    uow.run(voting.set_voting, w.facilitator_principal, w.id, "action", "revealed")
    client.post(
        f"/api/v1/workshops/{w.id}/shortlist",
        json={"top": 1, "per_area": True},
        headers=w.facilitator,
    ).raise_for_status()
    session.expire_all()
    book = workbook_of(session, w)
    actions = book["Åtgärder"]
    marked = dict(zip(column(actions, "ID"), column(actions, "Går vidare"), strict=True))
    assert marked == {drugs[0]: "Ja", drugs[1]: "Nej", unsafe[0]: "Ja", unsafe[1]: "Nej"}
    assert set(column(book.worksheets[0], "ID")) == {drugs[0], unsafe[0]}  # the plan
