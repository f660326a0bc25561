"""Reading the action plan sheet back, a dry run that writes nothing, the two sheets agreeing."""

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.db import get_engine
from app.models import Audit
from tests.api.test_import import action, cell, exported, import_events, saved, upload
from tests.unit.test_export import seed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def plan_cell(wb, item_id: int, heading: str):
    ws = wb.worksheets[0]
    headings = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[headings.index("ID")].value == item_id:
            return row[headings.index(heading)]
    raise AssertionError(f"no plan row for {item_id}")


def audit_lines(workshop_id: int) -> list[Audit]:
    with Session(get_engine()) as s:
        return list(
            s.exec(
                select(Audit).where(Audit.workshop_id == workshop_id).order_by(col(Audit.id))
            ).all()
        )


def test_the_plan_sheet_is_read_back_with_goal_when_who_follow_up_and_indicator(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    wb = exported(client, w)
    assert wb.worksheets[0].title == "Åtgärdsplan"
    edits = {
        "Operativa mål": "Vuxna ute varje helgkväll",
        "När": datetime(2027, 9, 30),
        "Vem – organisation": "Polisen",
        "Vem – person": "Kim Lund",
        "Vem – kontaktuppgifter": "kim.lund@polisen.example",
        "Uppföljning": "Gul",
        "Kommentar till uppföljningen": "Halvvägs.\nMer folk behövs.",
        "Indikator": "Kvällar per månad",
        "Status": "Pågår",
        "Prioritet": 2,
    }
    for heading, value in edits.items():
        plan_cell(wb, ids.action, heading).value = value
    plan_cell(wb, ids.action, "Åtgärd").value = "Ändrad text läses inte in"
    response = upload(client, w, saved(wb))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is False and body["item_ids"] == [ids.action]
    assert body["changed"][0]["sheet"] == "Åtgärdsplan"
    item = action(ids.action)
    assert (item.goal, item.due_date, item.owner_organization, item.owner_person) == (
        "Vuxna ute varje helgkväll",
        date(2027, 9, 30),
        "Polisen",
        "Kim Lund",
    )
    assert (item.owner_contact, item.follow_up, item.follow_up_note, item.indicator) == (
        "kim.lund@polisen.example",
        "yellow",
        "Halvvägs.\nMer folk behövs.",
        "Kvällar per månad",
    )
    assert (item.status, item.priority, item.text) == (
        "in_progress",
        2,
        "Fler fältassistenter kvällstid",
    )
    # One history line per field, through the import, by the follow-up link; and the import.
    lines = audit_lines(w.id)
    fields = [(a.field, a.via, a.role) for a in lines if a.item_id == ids.action]
    assert len(fields) == 10 and all(
        via == "import" and role == "followup" for _, via, role in fields
    )
    assert [a.action for a in lines if a.item_id is None] == ["export", "import"]


@pytest.mark.parametrize(
    ("typed", "colour"),
    [
        ("grön", "green"),
        ("Red", "red"),
        ("GUL", "yellow"),
        ("Röd – står still eller är försenad", "red"),
        ("", None),
    ],
)
def test_a_colour_is_read_in_either_language(
    client: TestClient, session, make_workshop, typed: str, colour: str | None
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    client.patch(f"/api/v1/items/{ids.action}", json={"follow_up": "green"}, headers=w.facilitator)
    wb = exported(client, w)
    plan_cell(wb, ids.action, "Uppföljning").value = typed
    assert upload(client, w, saved(wb)).status_code == 200
    assert action(ids.action).follow_up == colour


def test_an_unknown_colour_is_refused_with_sheet_row_and_column(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    wb = exported(client, w)
    plan_cell(wb, ids.action, "Uppföljning").value = "Blå"
    plan_cell(wb, ids.action, "Operativa mål").value = "x" * 501
    response = upload(client, w, saved(wb))
    assert response.status_code == 422
    problems = {(p["sheet"], p["row"], p["column"]): p["msg"] for p in response.json()["detail"]}
    assert "“Blå” is not a follow-up colour" in problems[("Åtgärdsplan", 2, "I")]
    assert "at most 500 characters" in problems[("Åtgärdsplan", 2, "D")]
    assert action(ids.action).follow_up is None and import_events(w.id) == []


def test_a_field_changed_differently_on_the_two_sheets_is_refused(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    wb = exported(client, w)
    plan_cell(wb, ids.action, "Status").value = "Pågår"
    cell(wb["Åtgärder"], ids.action, "Status").value = "Klar"
    response = upload(client, w, saved(wb))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [(p["sheet"], p["column"]) for p in detail] == [("Åtgärder", "L")]
    assert "changed differently on the sheet “Åtgärdsplan” (row 2)" in detail[0]["msg"]
    assert action(ids.action).status == "planned"
    # The same change on both sheets is one change.
    cell(wb["Åtgärder"], ids.action, "Status").value = "Pågår"
    response = upload(client, w, saved(wb))
    assert response.status_code == 200
    assert [c["field"] for c in response.json()["changed"][0]["changes"]] == ["status"]
    assert action(ids.action).status == "in_progress"


def test_a_dry_run_answers_what_would_change_row_by_row_and_writes_nothing(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    wb = exported(client, w)
    plan_cell(wb, ids.action, "Uppföljning").value = "Röd"
    plan_cell(wb, ids.formula_action, "Vem – person").value = "Eva Ek"
    before = len(audit_lines(w.id))
    response = client.post(
        f"/api/v1/workshops/{w.id}/import.xlsx?dry_run=true",
        files={"file": ("plan.xlsx", saved(wb), XLSX)},
        headers=w.followup,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is True and body["rows"] == 2
    assert [(c["row"], c["id"], c["changes"]) for c in body["changed"]] == [
        (2, ids.action, [{"field": "follow_up", "before": None, "after": "red"}]),
        (3, ids.formula_action, [{"field": "owner_person", "before": None, "after": "Eva Ek"}]),
    ]
    assert action(ids.action).follow_up is None and action(ids.formula_action).owner_person is None
    assert import_events(w.id) == [] and len(audit_lines(w.id)) == before
    # A dry run of a bad file says what is wrong, as the real import would.
    plan_cell(wb, ids.action, "Uppföljning").value = "Lila"
    bad = client.post(
        f"/api/v1/workshops/{w.id}/import.xlsx?dry_run=true",
        files={"file": ("plan.xlsx", saved(wb), XLSX)},
        headers=w.followup,
    )
    assert bad.status_code == 422


def test_a_workbook_from_before_the_plan_sheet_still_imports(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    wb = exported(client, w)
    del wb["Åtgärdsplan"]
    cell(wb["Åtgärder"], ids.action, "Status").value = "Klar"
    response = upload(client, w, saved(wb))
    assert response.status_code == 200, response.text
    assert action(ids.action).status == "done"
