"""Reading an edited action list back: owners, dates, status, priority; all or nothing."""

import json
from datetime import date, datetime
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, col, select

from app.db import get_engine
from app.models import Event, Item
from tests.unit.test_export import seed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def exported(client: TestClient, w) -> Workbook:
    response = client.get(f"/api/v1/workshops/{w.id}/export.xlsx", headers=w.followup)
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content))


def saved(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client: TestClient, w, content: bytes, headers=None):
    return client.post(
        f"/api/v1/workshops/{w.id}/import.xlsx",
        files={"file": ("atgarder.xlsx", content, XLSX)},
        headers=headers or w.followup,
    )


def cell(ws, item_id: int, heading: str):
    headings = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == item_id:
            return row[headings.index(heading)]
    raise AssertionError(f"no row for {item_id}")


def action(item_id: int) -> Item:
    with Session(get_engine()) as s:
        item = s.get(Item, item_id)
        assert item is not None
        return item


def import_events(workshop_id: int) -> list[Event]:
    with Session(get_engine()) as s:
        return list(
            s.exec(
                select(Event).where(
                    Event.workshop_id == workshop_id, col(Event.kind) == "items.imported"
                )
            ).all()
        )


def test_an_edited_export_updates_the_actions_it_recognises(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    wb = exported(client, w)
    ws = wb["Åtgärder"]
    cell(ws, ids.formula_action, "Ansvarig organisation").value = "Polisen"
    cell(ws, ids.formula_action, "Ansvarig").value = "Kim Lund"
    cell(ws, ids.formula_action, "Klart senast").value = datetime(2027, 6, 30)
    cell(ws, ids.formula_action, "Status").value = "Pågår"  # the drop-down shows Swedish
    cell(ws, ids.formula_action, "Prioritet").value = 2
    cell(ws, ids.action, "Status").value = "Klar"
    cell(ws, ids.action, "Åtgärd").value = "Ändrad text läses inte in"
    response = upload(client, w, saved(wb))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["rows"] == 2 and answer["unchanged"] == 0
    assert sorted(answer["item_ids"]) == sorted([ids.action, ids.formula_action])
    by_id = {row["id"]: row for row in answer["changed"]}
    assert by_id[ids.action]["row"] == 2
    assert by_id[ids.action]["changes"] == [
        {"field": "status", "before": "planned", "after": "done"}
    ]
    changed = {c["field"]: c for c in by_id[ids.formula_action]["changes"]}
    assert changed["due_date"] == {"field": "due_date", "before": None, "after": "2027-06-30"}
    assert changed["status"]["after"] == "in_progress"
    second = action(ids.formula_action)
    assert (second.owner_organization, second.owner_person) == ("Polisen", "Kim Lund")
    assert second.due_date == date(2027, 6, 30) and second.status == "in_progress"
    assert second.priority == 2
    assert action(ids.action).text == "Fler fältassistenter kvällstid"
    events = import_events(w.id)
    assert len(events) == 1
    assert sorted(json.loads(events[0].data)["item_ids"]) == sorted(by_id)
    # and the next export shows it
    again = exported(client, w)["Åtgärder"]
    assert cell(again, ids.formula_action, "Status").value == "Pågår"
    assert cell(again, ids.formula_action, "Klart senast").value == datetime(2027, 6, 30)


def test_an_unchanged_export_changes_nothing(client: TestClient, session, make_workshop) -> None:
    w = make_workshop(participants=2, language="en")
    seed(session, w)
    response = upload(client, w, saved(exported(client, w)), headers=w.facilitator)
    assert response.status_code == 200
    assert response.json()["changed"] == [] and response.json()["unchanged"] == 2
    assert import_events(w.id) == []


def test_dates_and_statuses_typed_as_text_are_understood(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2, language="en")
    ids = seed(session, w)
    wb = exported(client, w)
    ws = wb["Actions"]
    cell(ws, ids.action, "Due date").value = "2027-01-15"
    cell(ws, ids.action, "Status").value = "  in progress "
    cell(ws, ids.action, "Priority").value = None
    cell(ws, ids.action, "Owner").value = None
    response = upload(client, w, saved(wb))
    assert response.status_code == 200, response.text
    item = action(ids.action)
    assert item.due_date == date(2027, 1, 15) and item.status == "in_progress"
    assert item.priority is None and item.owner_person is None


@pytest.mark.parametrize(
    ("heading", "value", "words"),
    [
        ("Status", "Nästan klar", ["Rad 3", "kolumn L", "okänd status", "Nästan klar"]),
        ("Klart senast", "nästa vecka", ["Rad 3", "kolumn K", "inget datum", "nästa vecka"]),
        ("Prioritet", "hög", ["Rad 3", "kolumn D", "ingen prioritet"]),
        ("Ansvarig", "x" * 81, ["Rad 3", "kolumn J", "högst 80 tecken"]),
    ],
)
def test_a_bad_cell_is_named_by_row_and_column_and_nothing_changes(
    client: TestClient, session, make_workshop, heading: str, value: str, words: list[str]
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    wb = exported(client, w)
    ws = wb["Åtgärder"]
    cell(ws, ids.action, "Ansvarig").value = "Ny ansvarig"  # a good change on row 2 …
    cell(ws, ids.formula_action, heading).value = value  # … and a bad one on row 3
    response = upload(client, w, saved(wb), headers={**w.followup, "Accept-Language": "sv"})
    assert response.status_code == 422
    problem = response.json()["detail"][0]
    for word in words:
        assert word in problem["msg"]
    assert problem["row"] == 3
    assert action(ids.action).owner_person == "Anna Berg"  # all or nothing
    assert import_events(w.id) == []


def test_every_problem_is_reported_at_once(client: TestClient, session, make_workshop) -> None:
    w = make_workshop(participants=2, language="en")
    ids = seed(session, w)
    wb = exported(client, w)
    ws = wb["Actions"]
    cell(ws, ids.action, "Status").value = "Maybe"
    cell(ws, ids.formula_action, "Due date").value = "soon"
    ws.append([999999, "", "Made up", None, None, None, None, None, None, None, None, "Done"])
    response = upload(client, w, saved(wb))
    assert response.status_code == 422
    found = [(p["row"], p["column"]) for p in response.json()["detail"]]
    assert found == [(2, "L"), (3, "K"), (4, "A")]
    assert "999999" in response.json()["detail"][2]["msg"]


@pytest.mark.parametrize("what", ["random workbook", "no actions sheet", "no id column"])
def test_a_workbook_that_is_not_ours_is_refused(
    client: TestClient, session, make_workshop, what: str
) -> None:
    w = make_workshop(participants=2, language="en")
    seed(session, w)
    if what == "random workbook":
        wb = Workbook()
        wb.active.append(["Namn", "Telefon"])
    else:
        wb = exported(client, w)
        if what == "no actions sheet":
            del wb["Action plan"]
            del wb["Actions"]
        else:
            wb["Actions"]["A1"].value = "Nummer"
    response = upload(client, w, saved(wb))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]
    assert import_events(w.id) == []


def test_a_file_that_is_no_workbook_at_all_is_a_bad_request(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    response = upload(client, w, b"Namn;Telefon\nAnna;070\n")
    assert response.status_code == 400
    assert "Excel" in response.json()["detail"]


def test_another_workshops_list_is_refused(client: TestClient, session, make_workshop) -> None:
    first = make_workshop(participants=2)
    seed(session, first)
    second = make_workshop(participants=2)
    response = upload(client, second, saved(exported(client, first)))
    assert response.status_code == 422
    assert str(first.id) in response.json()["detail"][0]["msg"]


def test_files_over_five_megabytes_are_refused(client: TestClient, make_workshop) -> None:
    w = make_workshop()
    just_over = b"PK" + b"\0" * (5 * 1024 * 1024 - 1)  # inside the body limit, over the file limit
    assert upload(client, w, just_over).status_code == 413
    assert upload(client, w, b"x" * (6 * 1024 * 1024)).status_code == 413


def test_only_facilitator_and_follow_up_may_import(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1)
    for headers in (w.participants[0].headers, w.board):
        assert upload(client, w, b"x", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("heading", "value", "words"),
    [
        ("Prioritet", 5000, ["Rad 3", "kolumn D", "5000", "1000"]),
        ("Prioritet", 10**20, ["Rad 3", "kolumn D", "1000"]),
        ("Prioritet", "5000", ["Rad 3", "kolumn D", "5000", "1000"]),
        ("Klart senast", "1850-01-01", ["Rad 3", "kolumn K", "2000", "2099"]),
        ("Klart senast", datetime(1850, 1, 1), ["Rad 3", "kolumn K", "2000", "2099"]),
        ("Klart senast", "2100-01-01", ["Rad 3", "kolumn K", "2000", "2099"]),
    ],
)
def test_the_import_keeps_the_same_rules_as_a_patch(
    client: TestClient, session, make_workshop, heading: str, value, words: list[str]
) -> None:
    """Priority and due date are checked by the service's own rules, not a copy of them: a
    value a PATCH refuses is refused here too, by row and column, and nothing changes."""
    w = make_workshop(participants=2)
    ids = seed(session, w)
    wb = exported(client, w)
    ws = wb["Åtgärder"]
    cell(ws, ids.action, "Ansvarig").value = "Ny ansvarig"  # a good change on row 2 …
    cell(ws, ids.formula_action, heading).value = value  # … and a bad one on row 3
    before = action(ids.formula_action)
    response = upload(client, w, saved(wb), headers={**w.followup, "Accept-Language": "sv"})
    assert response.status_code == 422, response.text
    problems = response.json()["detail"]
    assert len(problems) == 1
    problem = problems[0]
    for word in words:
        assert word in problem["msg"]
    assert problem["row"] == 3 and problem["column"] == words[1].split()[-1]
    assert action(ids.action).owner_person == "Anna Berg"  # all or nothing
    after = action(ids.formula_action)
    assert (after.priority, after.due_date) == (before.priority, before.due_date)
    assert import_events(w.id) == []


def test_the_import_messages_are_in_english_too(client: TestClient, session, make_workshop) -> None:
    w = make_workshop(participants=2, language="en")
    ids = seed(session, w)
    wb = exported(client, w)
    ws = wb["Actions"]
    cell(ws, ids.action, "Priority").value = 5000
    cell(ws, ids.action, "Due date").value = "1850-01-01"
    response = upload(client, w, saved(wb), headers={**w.followup, "Accept-Language": "en"})
    assert response.status_code == 422
    messages = [p["msg"] for p in response.json()["detail"]]
    assert messages == [
        "Row 2, column K (Due date): pick a due date between the years 2000 and 2099.",
        "Row 2, column D (Priority): “5000” is not a priority. Write a whole number from 1 "
        "(first) to 1000.",
    ]
