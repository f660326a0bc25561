"""A whole workshop in the browser, the way the room plays it: the facilitator creates it on the
start page, the board goes up on the projector, three phones join, and the group goes from the
situation picture through causes and actions to voting, prioritizing, owners and the Excel file.

Every step is checked where a person would notice it: the board shows each note, link, dot count
and rating live (it never reloads), phones follow the stages by themselves, and the workbook the
facilitator downloads holds the action with its owner. The test also takes the screenshots of
each stage (tests/e2e/artifacts/, and docs/screenshots/ with KS_DOC_SCREENSHOTS=1)."""

import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import OpenPage, create_workshop, join_by_code, screenshot

PHONE_PAGE = re.compile(r"/w/[\w-]+/p(\?.*)?$")
AREAS = ("Narkotika", "Otrygghet", "Otillåten påverkan")  # the default focus areas

SEEN_DRUGS = "Öppen droghandel vid resecentrum på kvällarna"
SEEN_SHOTS = "Skjutningar mitt på förmiddagen i Kronoparken"
SEEN_THREATS = "Vittnen vågar inte berätta vad de har sett"
WHY_ADULTS = "Få vuxna ute på kvällstid runt resecentrum"
WHY_GANGS = "Konflikter mellan kriminella nätverk"
DO_WALKS = "Föräldravandringar fredag och lördag kväll"
DO_CAMERAS = "Fler kameror vid resecentrum och torget"
DO_POLICE = "Områdespoliser på plats i Kronoparken"


# --- What a person does -------------------------------------------------------------------------


def stage_is(page: Page, stage: str) -> None:
    """Every screen follows a stage change by itself: its panel comes back for the new stage."""
    expect(page.locator(f"#panel[data-stage={stage}]")).to_be_attached()


def column(page: Page, area: str) -> Locator:
    """A focus area's column on the board (or the facilitator page), found by its heading."""
    return page.locator("section.column").filter(has=page.get_by_role("heading", name=area))


def card(page: Page, area: str, text: str) -> Locator:
    """A note in a column, by its own text (not by the texts its menus mention)."""
    return column(page, area).locator(".note").filter(has=page.locator(".note-text", has_text=text))


def open_tab(phone: Page, area: str) -> None:
    phone.locator(".area-tabs a", has_text=area).click()
    expect(phone.locator(".area-tabs a.current")).to_have_text(area)


def write(phone: Page, text: str, links: tuple[str, ...] = ()) -> None:
    """Type a note, tick what it links to in the picker, send; it shows under "Your notes"."""
    phone.locator("#note-text").fill(text)
    for target in links:
        phone.locator(".link-option", has_text=target).locator("span").click()
        expect(phone.locator(".link-option", has_text=target).locator("input")).to_be_checked()
    phone.locator("form[data-retry] button[type=submit]").click()
    expect(phone.locator(".mine .note-text", has_text=text)).to_be_visible()
    expect(phone.locator("#note-text")).to_have_value("")


def dot(phone: Page, text: str, dots_left_after: int) -> None:
    """Tap + on a note; the counter of dots left goes down before the next tap."""
    phone.locator("li.votable", has_text=text).get_by_role(
        "button", name=re.compile("^Sätt")
    ).click()
    expect(phone.locator(".dots-left-n")).to_have_text(str(dots_left_after))


def rate(phone: Page, text: str, impact: int, effort: int) -> None:
    """Radio buttons drawn as buttons: the thumb taps the number."""
    row = phone.locator("li[id^=rate-]", has_text=text)
    scales = row.locator("fieldset.scale")
    scales.nth(0).locator(".scale-option span").get_by_text(str(impact), exact=True).click()
    scales.nth(1).locator(".scale-option span").get_by_text(str(effort), exact=True).click()
    row.get_by_role("button", name="Spara").click()
    # The panel comes back from the server with the answer kept and marked as saved.
    expect(row.locator(".saved")).to_be_visible()
    expect(row.locator(f"input[name=impact][value='{impact}']")).to_be_checked()
    expect(row.locator(f"input[name=effort][value='{effort}']")).to_be_checked()


def next_stage(facilitator: Page, stage: str, screens: list[Page]) -> None:
    facilitator.get_by_role("button", name="Nästa steg").click()
    for page in [facilitator, *screens]:
        stage_is(page, stage)


def shoot(pages: dict[str, Page], stage: str, show: dict[str, str] | None = None) -> None:
    """The screens as people see them: no pointer hovering, no field left focused by the test,
    and (`show`) scrolled to what matters at this stage."""
    for who, page in pages.items():
        page.mouse.move(0, 0)
        page.keyboard.press("Escape")  # the facilitator's "Moved to …" note would cover the page
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        if show and who in show:
            page.locator(show[who]).first.scroll_into_view_if_needed()
        screenshot(page, f"{who}-{stage}", doc=f"{who}-{stage}")


# --- The workshop -------------------------------------------------------------------------------


def test_a_whole_workshop_from_the_start_page_to_the_excel_file(
    open_page: OpenPage, tmp_path: Path
) -> None:
    # The facilitator creates the workshop on the start page and opens their page.
    facilitator = open_page("laptop")
    created = create_workshop(facilitator, "Tryggare Värnamo")
    facilitator.get_by_role("link", name="Öppna processledarens sida").click()
    expect(facilitator).to_have_url(re.compile(r"/w/[\w-]+/facilitate$"))
    stage_is(facilitator, "lobby")

    # The board goes up on the projector through the board link.
    board = open_page("board")
    board.goto(created.links["board"])
    stage_is(board, "lobby")
    board.evaluate("() => { window.ksSamePage = true; }")  # gone if the board reloads

    # Three phones join: Anna and Cia type the code, Bo scans the QR code (the /j/CODE link).
    anna, bo, cia = open_page("phone"), open_page("phone"), open_page("phone")
    join_by_code(anna, created.join_code, "Anna", "Polisen")
    qr_link = "/j/" + created.join_code.replace("-", "")
    bo.goto(qr_link)
    expect(bo.locator("#join_code")).to_have_value(created.join_code)
    bo.locator("#display_name").fill("Bo")
    bo.locator("form button[type=submit]").click()
    join_by_code(cia, created.join_code.lower(), "Cia", "Kommunen")
    phones = [anna, bo, cia]
    for phone in phones:
        expect(phone).to_have_url(PHONE_PAGE)
        stage_is(phone, "lobby")
    expect(board.locator("#participant-count")).to_have_text("3")
    expect(facilitator.locator("#participant-count")).to_have_text("3")
    screens = [board, *phones]
    pictures = {"board": board, "facilitator": facilitator, "phone": anna}

    # --- Situation picture: each phone writes in its own focus area; the board shows it live.
    next_stage(facilitator, "situation", screens)
    expect(board.locator("h1")).to_have_text("Lägesbild")
    write(anna, SEEN_DRUGS)
    expect(column(board, AREAS[0]).locator(".note-text", has_text=SEEN_DRUGS)).to_be_visible()
    open_tab(bo, AREAS[1])
    write(bo, SEEN_SHOTS)
    expect(column(board, AREAS[1]).locator(".note-text", has_text=SEEN_SHOTS)).to_be_visible()
    open_tab(cia, AREAS[2])
    write(cia, SEEN_THREATS)
    expect(column(board, AREAS[2]).locator(".note-text", has_text=SEEN_THREATS)).to_be_visible()
    expect(column(board, AREAS[0]).locator(".note")).to_have_count(1)  # each in its own column
    # Anna has written, so she sees the others' notes in her area as they come.
    expect(anna.locator(".everyone-list")).to_be_visible()
    expect(column(facilitator, AREAS[1]).locator(".note-text", has_text=SEEN_SHOTS)).to_be_visible()
    shoot(pictures, "situation")

    # --- Causes, reached with the facilitator's keyboard shortcut (Alt+→).
    facilitator.locator("body").click(position={"x": 5, "y": 5})  # focus out of any field
    facilitator.keyboard.press("Alt+ArrowRight")
    for page in [facilitator, *screens]:
        stage_is(page, "causes")
    write(anna, WHY_ADULTS, links=(SEEN_DRUGS,))
    note = card(board, AREAS[0], WHY_ADULTS)
    expect(note.locator(".links-label")).to_have_text("Förklarar")
    expect(note.locator(".chip")).to_have_text(SEEN_DRUGS)
    open_tab(bo, AREAS[1])
    # The picker offers this area's observations first, and the others' after.
    expect(bo.locator(".link-area").first).to_have_text(AREAS[1])
    write(bo, WHY_GANGS, links=(SEEN_SHOTS,))
    note = card(board, AREAS[1], WHY_GANGS)
    expect(note.locator(".chip")).to_have_text(SEEN_SHOTS)
    shoot(pictures, "causes")

    # --- Actions, each linked to the cause it addresses.
    next_stage(facilitator, "actions", screens)
    write(anna, DO_WALKS, links=(WHY_ADULTS,))
    write(bo, DO_CAMERAS, links=(WHY_ADULTS,))  # Bo's tab is Narkotika again on a new stage
    open_tab(cia, AREAS[1])
    write(cia, DO_POLICE, links=(WHY_GANGS,))
    note = card(board, AREAS[0], DO_WALKS)
    expect(note.locator(".links-label")).to_have_text("Angriper")
    expect(note.locator(".chip")).to_have_text(f"1 {WHY_ADULTS}")  # "Orsak 1" on every screen
    expect(column(board, AREAS[0]).locator(".note")).to_have_count(2)
    expect(column(board, AREAS[1]).locator(".note-text", has_text=DO_POLICE)).to_be_visible()

    # The facilitator opens the action voting: phones get their dots, the board says so.
    voting = facilitator.locator("#voting-controls")
    voting.get_by_role("button", name="Öppen").click()
    expect(voting.get_by_role("button", name="Öppen")).to_have_attribute("aria-pressed", "true")
    expect(board.locator(".voting-banner")).to_be_visible()
    for phone in phones:
        expect(phone.locator(".dots-left")).to_have_text("3 prickar kvar")
    dot(anna, DO_WALKS, 2)
    dot(anna, DO_WALKS, 1)
    expect(anna.locator("li.votable", has_text=DO_WALKS).locator(".my-dots .dot")).to_have_count(2)
    # At most two dots on one note: Anna's + on it is spent, her last dot goes elsewhere.
    expect(
        anna.locator("li.votable", has_text=DO_WALKS).get_by_role(
            "button", name=re.compile("^Sätt")
        )
    ).to_be_disabled()
    dot(anna, DO_CAMERAS, 0)
    expect(anna.locator(".dots-left")).to_have_text("0 prickar kvar")
    dot(bo, DO_WALKS, 2)
    dot(bo, DO_POLICE, 1)
    dot(bo, DO_POLICE, 0)
    dot(cia, DO_POLICE, 2)
    expect(voting.locator(".progress")).to_contain_text("3 av 3")
    expect(board.locator(".vote-count")).to_have_count(0)  # nobody sees counts before the reveal
    shoot(pictures, "voting")

    # The facilitator reveals: the board ranks each focus area's actions with their dots.
    voting.get_by_role("button", name="Resultatet visas").click()
    ranked = board.locator(".ranked section.column").filter(
        has=board.get_by_role("heading", name=AREAS[0])
    )
    expect(ranked.locator(".ranked-note .note-text")).to_have_text([DO_WALKS, DO_CAMERAS])
    expect(ranked.locator(".ranked-note .vote-count")).to_have_text(["3", "1"])
    police = board.locator(".ranked-note", has_text=DO_POLICE)
    expect(police.locator(".vote-count")).to_have_text("3")
    expect(anna.locator(".ranking .ranked-note").first).to_contain_text(DO_WALKS)  # phones too
    # The phone's picture shows the result, which sits below the note form.
    shoot(pictures, "revealed", show={"phone": ".ranking"})

    # The one with the most dots in each focus area goes on to prioritizing.
    facilitator.locator("#shortlist-top").fill("1")
    facilitator.locator("#voting-controls").get_by_role("button", name="Ta vidare").click()
    expect(card(facilitator, AREAS[0], DO_WALKS).locator("[aria-pressed]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(card(facilitator, AREAS[0], DO_CAMERAS).locator("[aria-pressed]")).to_have_attribute(
        "aria-pressed", "false"
    )

    # --- Prioritize: phones rate impact and effort; the board's matrix and list follow live.
    next_stage(facilitator, "prioritize", screens)
    rows = board.locator(".action-list .action-row")
    expect(rows.locator(".note-text")).to_have_text([DO_WALKS, DO_POLICE])  # not the cameras
    expect(anna.locator("li[id^=rate-]")).to_have_count(2)
    expect(board.locator(".matrix-point")).to_have_count(0)
    rate(anna, DO_WALKS, impact=4, effort=2)
    expect(rows.nth(0)).to_contain_text("Effekt 4,0, insats 2,0 (1 bedömning)")
    expect(board.locator(".matrix-point")).to_have_count(1)
    rate(bo, DO_WALKS, impact=5, effort=1)
    expect(rows.nth(0)).to_contain_text("Effekt 4,5, insats 1,5 (2 bedömningar)")
    rate(cia, DO_POLICE, impact=5, effort=4)
    expect(board.locator(".matrix-point")).to_have_count(2)
    expect(board.locator(".matrix-group-quick dd")).to_contain_text([DO_WALKS])
    expect(board.locator(".matrix-group-major dd")).to_contain_text([DO_POLICE])
    table_row = facilitator.locator("table.owners tbody tr", has_text=DO_WALKS)
    expect(table_row).to_contain_text("Effekt 4,5, insats 1,5 (2 bedömningar)")

    # The facilitator fills in owner, date and status in the table; each saves on its own.
    table_row.locator("input[name=owner_organization]").fill("Polisen")
    table_row.locator("input[name=owner_organization]").press("Tab")
    expect(rows.nth(0)).to_contain_text("Ansvarig: Polisen")
    table_row.locator("input[name=owner_person]").fill("Eva Ek")
    table_row.locator("input[name=owner_person]").press("Tab")
    expect(rows.nth(0)).to_contain_text("Polisen – Eva Ek")
    table_row.locator("input[name=due_date]").fill("2030-09-30")
    expect(rows.nth(0)).to_contain_text("2030")
    # The status shows nowhere else live: wait for the server to take it before downloading.
    with facilitator.expect_response(re.compile(r"/facilitate/actions/\d+$")) as saved:
        table_row.locator("select[name=status]").select_option("planned")
    assert saved.value.ok
    shoot(pictures, "prioritize")

    assert board.evaluate("() => window.ksSamePage === true"), "the board reloaded"

    # The facilitator downloads the action list; the workbook holds the action and its owner.
    with facilitator.expect_download() as download_info:
        facilitator.locator(".export-links a[download]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = load_workbook(path, read_only=True)
    found = [
        [cell for cell in row if cell is not None]
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        if DO_WALKS in row
    ]
    assert found, f"{DO_WALKS!r} is not in the workbook"
    action = next((row for row in found if "Polisen" in row), None)
    assert action is not None, f"no row with the owner: {found}"
    assert "Eva Ek" in action
    assert any(str(cell).startswith("2030-09-30") for cell in action), action
    assert "Planerad" in action, action
