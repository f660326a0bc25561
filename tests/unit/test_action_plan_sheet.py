"""The workbook's first sheet: Brå's action plan. Causes numbered, one row per action taken
forward, the follow-up colour as a drop-down with the cell coloured, and the History sheet."""

from datetime import date

import pytest
from sqlmodel import Session

from app.models import Item
from app.services import items, uow
from app.services.auth import Principal, Role
from tests.unit.test_export import add, column, header, seed, workbook_of

SV_PLAN = [
    "Orsak nr",
    "Orsak",
    "Åtgärd",
    "Operativa mål",
    "När",
    "Vem – organisation",
    "Vem – person",
    "Vem – kontaktuppgifter",
    "Uppföljning",
    "Kommentar till uppföljningen",
    "Indikator",
    "Status",
    "Prioritet",
    "Fokusområde",
    "Plats",
    "ID",
]
EN_PLAN = [
    "Cause no.",
    "Cause",
    "Action",
    "Operational goals",
    "When",
    "Who – organization",
    "Who – person",
    "Who – contact details",
    "Follow-up",
    "Follow-up note",
    "Indicator",
    "Status",
    "Priority",
    "Focus area",
    "Rank",
    "ID",
]


def plan_of(session: Session, w, item_id: int, **fields) -> None:
    uow.run(
        items.update_item,
        Principal(Role.facilitator, w.id),
        item_id,
        items.ItemPatch(**fields),
        via="page",
    )
    session.expire_all()


@pytest.mark.parametrize(("language", "expected"), [("sv", SV_PLAN), ("en", EN_PLAN)])
def test_the_first_sheet_is_the_action_plan_in_bras_column_order(
    session, make_workshop, language: str, expected: list[str]
) -> None:
    w = make_workshop(participants=2, language=language)
    seed(session, w)
    wb = workbook_of(session, w)
    assert wb.worksheets[0].title == ("Åtgärdsplan" if language == "sv" else "Action plan")
    assert header(wb.worksheets[0]) == expected


def test_a_row_holds_the_numbered_causes_the_goal_when_who_and_the_follow_up(
    session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    plan_of(
        session,
        w,
        ids.action,
        goal="Vuxna ute varje helgkväll",
        indicator="Antal kvällar per månad",
        owner_contact="fritid@kommun.example",
        follow_up="yellow",
        follow_up_note="Hälften av helgerna hittills.",
    )
    ws = workbook_of(session, w).worksheets[0]
    rows = [
        dict(zip(header(ws), r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
    ]
    first = rows[0]
    c1, c2 = session.get(Item, ids.cause), session.get(Item, ids.other_cause)
    assert c1 is not None and c2 is not None
    assert first["ID"] == ids.action and first["Plats"] == 1
    assert first["Orsak nr"] == f"{c1.number}, {c2.number}"
    assert first["Orsak"] == (
        f"{c1.number}. Unga saknar sysselsättning\n{c2.number}. Dålig belysning"
    )
    assert first["Åtgärd"] == "Fler fältassistenter kvällstid"
    assert first["Operativa mål"] == "Vuxna ute varje helgkväll"
    assert first["När"].date() == date(2027, 3, 31)
    assert (first["Vem – organisation"], first["Vem – person"]) == ("Kommunen", "Anna Berg")
    assert first["Vem – kontaktuppgifter"] == "fritid@kommun.example"
    assert first["Uppföljning"] == "Gul"
    assert first["Kommentar till uppföljningen"] == "Hälften av helgerna hittills."
    assert (first["Indikator"], first["Status"], first["Prioritet"]) == (
        "Antal kvällar per månad",
        "Planerad",
        1,
    )
    # No shortlist yet: every action in play is on the plan, hidden and merged ones are not.
    assert column(ws, "ID") == [ids.action, ids.formula_action]
    assert ws["C3"].data_type == "s" and ws["C3"].value.startswith("=HYPERLINK")


def test_only_the_actions_taken_forward_are_on_the_plan_once_there_is_a_shortlist(
    session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    plan_of(session, w, ids.formula_action, shortlisted=True)
    wb = workbook_of(session, w)
    assert column(wb.worksheets[0], "ID") == [ids.formula_action]
    assert column(wb.worksheets[0], "Plats") == [1]  # taken forward: first in the one order
    actions = wb["Åtgärder"]
    assert column(actions, "ID") == [ids.formula_action, ids.action]
    assert column(actions, "Går vidare") == ["Ja", "Nej"]  # the Actions sheet can filter on it


def test_the_follow_up_column_is_a_drop_down_and_the_cell_is_coloured(
    session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    plan_of(session, w, ids.action, follow_up="green")
    ws = workbook_of(session, w).worksheets[0]
    letter = "I"
    assert header(ws)[8] == "Uppföljning"
    lists = [
        v
        for v in ws.data_validations.dataValidation
        if v.type == "list" and f"{letter}2" in str(v.sqref)
    ]
    assert len(lists) == 1 and lists[0].formula1 == '"Grön,Gul,Röd"'
    rules = {
        rule.formula[0]: rule.dxf.fill.fgColor.rgb
        for cf in ws.conditional_formatting
        if f"{letter}2" in str(cf.sqref)
        for rule in cf.rules
    }
    assert set(rules) == {'"Grön"', '"Gul"', '"Röd"'}
    assert rules['"Grön"'].endswith("C6EFCE") and rules['"Röd"'].endswith("FFC7CE")
    assert ws[f"{letter}2"].value == "Grön"
    # Status keeps its drop-down on the plan too.
    assert any(
        v.type == "list" and "L2" in str(v.sqref) for v in ws.data_validations.dataValidation
    )


def test_cause_numbers_follow_the_order_causes_were_written_in_per_workshop(
    session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    other = make_workshop(participants=2)
    seed(session, other)  # another workshop's causes do not take this one's numbers
    seen = add(session, w, "situation", "Otrygghet i parken")
    first = add(session, w, "cause", "Dålig belysning", links=[seen])
    second = add(session, w, "cause", "Få vuxna ute", links=[seen])
    add(session, w, "action", "Belysning och vandringar", links=[second, first])
    session.commit()
    wb = workbook_of(session, w)
    assert column(wb.worksheets[0], "Orsak nr") == ["1, 2"]
    assert column(wb["Orsaker"], "Orsak nr") == [1, 2]
    assert column(wb["Orsaker"], "Orsak") == ["Dålig belysning", "Få vuxna ute"]


def test_the_history_sheet_lists_every_change_with_who_and_through_what(
    session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    plan_of(session, w, ids.action, follow_up="red")
    uow.run(
        items.update_item,
        Principal(Role.followup, w.id),
        ids.action,
        items.ItemPatch(follow_up="green", status="done"),
        via="api",
    )
    wb = workbook_of(session, w)
    ws = wb["Historik"]
    assert header(ws) == [
        "Tid (UTC)",
        "Plats",
        "ID",
        "Åtgärd",
        "Vad",
        "Fält",
        "Från",
        "Till",
        "Vem",
        "Via",
    ]
    rows = [r[4:] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert rows == [
        ("Ändrad", "Läge", "–", "Röd", "Processledare", "sidan"),
        ("Ändrad", "Läge", "Röd", "Grön", "Länk för uppföljning", "API"),
        ("Ändrad", "Status", "Planerad", "Klar", "Länk för uppföljning", "API"),
    ]
    assert wb.sheetnames[-2:] == ["Historik", "Om"]
