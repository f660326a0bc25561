"""The follow-up workshop: it starts from an earlier workshop's action plan, reviews it in the
stage "Since last time", and leaves the earlier workshop as it was."""

from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, func, select

from app.db import get_engine
from app.models import Audit, Event, Item, Link, Workshop
from app.services import followup, uow
from app.services.auth import Principal, Role
from tests.api.test_action_plan import note, patch


def plan(client: TestClient, w):
    """An earlier workshop's plan: three causes (one behind two observations), five actions; two
    taken forward with owners and colours, one dropped, one never taken forward, one hidden."""
    seen = note(client, w, "situation", "Öppen droghandel vid resecentrum")
    seen2 = note(client, w, "situation", "Äldre undviker centrum på kvällen", area=1)
    unrelated = note(client, w, "situation", "Klotter på skolan", area=2)
    adults = note(client, w, "cause", "Få vuxna ute på kvällstid", links=[seen, seen2])
    light = note(client, w, "cause", "Dålig belysning i gångtunnlar", links=[seen2], area=1)
    note(client, w, "cause", "Orsak utan åtgärd", links=[unrelated], area=2)
    walks = note(client, w, "action", "Föräldravandringar", links=[adults])
    lamps = note(client, w, "action", "Bättre belysning", links=[light, adults], area=1)
    dropped = note(client, w, "action", "Fler kameror", links=[adults])
    behind = note(client, w, "action", "Ordningsvakter", links=[light], area=1)
    hidden = note(client, w, "action", "Dubblett", links=[adults])
    for item_id in (walks, lamps, dropped):
        assert patch(client, item_id, w.facilitator, shortlisted=True).status_code == 200
    assert (
        patch(
            client,
            walks,
            w.facilitator,
            owner_organization="Kommunen",
            owner_person="Fritidsgården",
            owner_contact="fritid@kommun.example",
            goal="Vuxna ute varje helg",
            indicator="Kvällar per månad",
            due_date="2027-06-30",
            priority=1,
        ).status_code
        == 200
    )
    assert (
        patch(
            client,
            walks,
            w.followup,
            status="in_progress",
            follow_up="green",
            follow_up_note="Igång",
        ).status_code
        == 200
    )
    assert patch(client, lamps, w.followup, follow_up="red").status_code == 200
    assert patch(client, dropped, w.followup, status="dropped").status_code == 200
    assert patch(client, hidden, w.facilitator, hidden=True).status_code == 200
    return {
        "walks": walks,
        "lamps": lamps,
        "dropped": dropped,
        "behind": behind,
        "adults": adults,
        "light": light,
        "seen": seen,
        "seen2": seen2,
    }


def follow(client: TestClient, w, token: str | None = None, **body):
    return client.post(
        "/api/v1/workshops",
        json={
            "follows": {"workshop_id": w.id, "token": w.followup_token if token is None else token},
            **body,
        },
    )


def items_of(client: TestClient, workshop_id: int, token: str, kind: str) -> list[dict]:
    return client.get(
        f"/api/v1/workshops/{workshop_id}/items?kind={kind}",
        headers={"Authorization": f"Bearer {token}"},
    ).json()


def snapshot(workshop_id: int) -> tuple:
    """Everything of a workshop that a follow-up could touch."""
    with Session(get_engine()) as s:
        workshop = s.get(Workshop, workshop_id)
        notes = s.exec(
            select(Item).where(Item.workshop_id == workshop_id).order_by(col(Item.id))
        ).all()
        return (
            workshop.model_dump() if workshop else None,
            [n.model_dump() for n in notes],
            s.exec(
                select(func.count()).select_from(Link).where(Link.workshop_id == workshop_id)
            ).one(),
            s.exec(
                select(func.count()).select_from(Event).where(Event.workshop_id == workshop_id)
            ).one(),
            s.exec(
                select(func.count()).select_from(Audit).where(Audit.workshop_id == workshop_id)
            ).one(),
        )


def workshop_count() -> int:
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(Workshop)).one()


def test_a_follow_up_workshop_carries_the_plan_with_owners_goal_status_and_colour(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(title="Tryggare Värnamo")
    ids = plan(client, w)
    before = snapshot(w.id)
    response = follow(client, w)
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["join_code"] != w.join_code
    state = client.get(
        f"/api/v1/workshops/{new['id']}",
        headers={"Authorization": f"Bearer {new['facilitator_token']}"},
    ).json()
    assert state["title"] == "Tryggare Värnamo – uppföljning" and state["stage"] == "lobby"
    assert [a["name"] for a in state["focus_areas"]] == [
        "Narkotika",
        "Otrygghet",
        "Otillåten påverkan",
    ]
    carried = items_of(client, new["id"], new["facilitator_token"], "action")
    # The plan was walks and lamps (dropped stays behind; "Ordningsvakter" was never taken
    # forward; the hidden one neither), in the plan's order, numbered anew.
    assert [a["carried_from"] for a in carried] == [ids["walks"], ids["lamps"]]
    assert [a["number"] for a in carried] == [1, 2]
    walks = carried[0]
    assert walks["text"] == "Föräldravandringar" and walks["shortlisted"] is True
    assert {
        key: walks[key]
        for key in (
            "owner_organization",
            "owner_person",
            "owner_contact",
            "goal",
            "indicator",
            "status",
            "follow_up",
            "follow_up_note",
            "due_date",
            "priority",
        )
    } == {
        "owner_organization": "Kommunen",
        "owner_person": "Fritidsgården",
        "owner_contact": "fritid@kommun.example",
        "goal": "Vuxna ute varje helg",
        "indicator": "Kvällar per månad",
        "status": "in_progress",
        "follow_up": "green",
        "follow_up_note": "Igång",
        "due_date": "2027-06-30",
        "priority": 1,
    }
    assert carried[1]["follow_up"] == "red" and carried[1]["votes"] == 0
    assert snapshot(w.id) == before  # the earlier workshop is not changed


def test_the_causes_and_observations_behind_the_plan_come_as_read_only_context(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    ids = plan(client, w)
    new = follow(client, w, token=w.facilitator_token).json()  # the facilitator's key works too
    token = new["facilitator_token"]
    causes = items_of(client, new["id"], token, "cause")
    situations = items_of(client, new["id"], token, "situation")
    assert [c["carried_from"] for c in causes] == [ids["adults"], ids["light"]]
    assert [c["number"] for c in causes] == [1, 2]
    assert [s["carried_from"] for s in situations] == [ids["seen"], ids["seen2"]]
    actions = items_of(client, new["id"], token, "action")
    by_old = {c["carried_from"]: c["id"] for c in causes}
    assert set(actions[1]["links"]) == {by_old[ids["light"]], by_old[ids["adults"]]}
    assert set(causes[0]["links"]) == {s["id"] for s in situations}
    headers = {"Authorization": f"Bearer {token}"}
    assert patch(client, causes[0]["id"], headers, text="Omskriven").status_code == 409
    assert patch(client, situations[0]["id"], headers, hidden=True).status_code == 200


@pytest.mark.parametrize(
    "which",
    ["unknown token", "board token", "participant token", "other workshop's token", "no token"],
)
def test_a_wrong_or_missing_key_is_refused_and_nothing_is_created(
    client: TestClient, make_workshop, which: str
) -> None:
    w = make_workshop(participants=1)
    other = make_workshop()
    plan(client, w)
    before, count = snapshot(w.id), workshop_count()
    token = {
        "unknown token": "x" * 32,
        "board token": w.board_token,
        "participant token": w.participants[0].token,
        "other workshop's token": other.followup_token,
        "no token": "",
    }[which]
    response = follow(client, w, token=token)
    assert response.status_code == 403
    assert workshop_count() == count and snapshot(w.id) == before


def test_an_unknown_earlier_workshop_is_not_found(client: TestClient, make_workshop) -> None:
    w = make_workshop()
    count = workshop_count()
    response = client.post(
        "/api/v1/workshops",
        json={"follows": {"workshop_id": w.id + 1000, "token": w.followup_token}},
    )
    assert response.status_code == 404
    assert workshop_count() == count


def test_the_review_stage_exists_only_in_a_follow_up_workshop(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    plan(client, w)
    stage = f"/api/v1/workshops/{w.id}/stage"
    assert client.put(stage, json={"stage": "review"}, headers=w.facilitator).status_code == 409
    new = follow(client, w).json()
    headers = {"Authorization": f"Bearer {new['facilitator_token']}"}
    moved = client.put(
        f"/api/v1/workshops/{new['id']}/stage", json={"stage": "review"}, headers=headers
    )
    assert moved.status_code == 200 and moved.json()["stage"] == "review"


def test_the_review_marks_done_continue_or_drop_and_only_continued_actions_stay_on_the_list(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    ids = plan(client, w)
    new = follow(client, w).json()
    token = new["followup_token"]
    walks, lamps = items_of(client, new["id"], token, "action")
    facilitator = Principal(Role.facilitator, new["id"])
    uow.run(followup.review_action, facilitator, walks["id"], "done")
    uow.run(followup.review_action, facilitator, lamps["id"], "continue")
    after = {a["id"]: a for a in items_of(client, new["id"], token, "action")}
    assert (after[walks["id"]]["review"], after[walks["id"]]["status"]) == ("done", "done")
    assert (after[lamps["id"]]["review"], after[lamps["id"]]["status"]) == ("continue", "proposed")
    # The new workbook's plan has the continued action, with its history from both workshops.
    book = client.get(
        f"/api/v1/workshops/{new['id']}/export.xlsx", headers={"Authorization": f"Bearer {token}"}
    )
    wb = load_workbook(BytesIO(book.content))
    plan_ids = [row[-1] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert plan_ids == [lamps["id"]]
    history = client.get(
        f"/api/v1/items/{lamps['id']}/history", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [(h["earlier"], h["field"], h["after"]) for h in history] == [
        (True, "shortlisted", "true"),
        (True, "follow_up", "red"),
        (False, "carried_from", str(ids["lamps"])),
        (False, "review", "continue"),
    ]
    # Dropping it reopens nothing in the earlier workshop, and a decision can be taken back.
    uow.run(followup.review_action, facilitator, lamps["id"], "drop")
    uow.run(followup.review_action, facilitator, walks["id"], None)
    after = {a["id"]: a for a in items_of(client, new["id"], token, "action")}
    assert after[lamps["id"]]["status"] == "dropped"
    assert (after[walks["id"]]["review"], after[walks["id"]]["status"]) == (None, "in_progress")
    earlier = items_of(client, w.id, w.followup_token, "action")
    assert all(a["review"] is None for a in earlier)
    assert next(a for a in earlier if a["id"] == ids["lamps"])["status"] == "proposed"
