"""The projector board at room scale, 1920×1080, read from the back of the room and never
scrolled (nobody can scroll a projector):

- 60 notes (20 per focus area), arriving live, all show at once at ≥ 24 px; a 1,000-character
  note is cut to a few lines.
- 150 notes: still no scrolling, the newest note in view, and every note either on the board or
  counted in a visible "+N äldre lappar" (none hidden silently); type ≥ 20 px.
- Prioritize: the matrix takes at least half the screen's width, its labels render ≥ 24 px, no
  marker covers a quadrant name, and points at 1 and 5 stay inside the frame.
- Nothing on the board, at any stage, renders smaller than 20 px.

Note texts are what people write on a workshop's sticky notes: 25–60 characters."""

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, OpenPage, screenshot
from tests.e2e.room import Room, api, make_room

SEEN = {  # 20 observations per focus area, in the order of the default areas
    0: [
        "Öppen droghandel vid resecentrum på kvällarna",
        "Narkotika säljs till unga via sociala medier",
        "Drogkontroller på skolor har hittat cannabis",
        "Sprutor och kanyler i trapphus på Norrmalm",
        "Langning utanför fritidsgården på helger",
        "Unga springpojkar rekryteras via Snapchat",
        "Fler larm om berusade unga i centrum",
        "Cannabislukt i parken vid ån på kvällar",
        "Föräldrar vet inte vad de ska titta efter",
        "Tabletter säljs på skolgården",
        "Polisen beslagtar mer kokain än förr",
        "Missbruk syns bland allt yngre",
        "Langare kör runt i bil vid skolor",
        "Handel flyttar till nya platser efter insatser",
        "Socialtjänsten får fler orosanmälningar",
        "Kvällsöppna butiker säljer lustgas",
        "Narkotikaskulder används för att pressa unga",
        "Tips från grannar följs inte upp",
        "Droger beställs hem med post",
        "Unga säger att det är lätt att få tag på",
    ],
    1: [
        "Skjutningar mitt på förmiddagen i Kronoparken",
        "Äldre undviker centrum efter mörkrets inbrott",
        "Rån mot unga vid busstationen",
        "Dålig belysning i gångtunneln vid skolan",
        "Grupper av unga samlas vid torget sent",
        "Kvinnor känner sig otrygga på stationen",
        "Klotter och skadegörelse på lekplatser",
        "Bränder i containrar varje helg",
        "Stenkastning mot bussar på Herrhagen",
        "Föräldrar hämtar barnen från träningen",
        "Butiker har börjat stänga tidigare",
        "Hot mot personal på fritidsgården",
        "Buskage skymmer sikten vid cykelvägen",
        "Nedskräpning i parken gör platsen otrygg",
        "Polisen syns för sällan i stadsdelen",
        "Unga bär kniv för att de är rädda",
        "Vittnen vågar inte berätta vad de sett",
        "Trakasserier på bussen till skolan",
        "Inbrott i källarförråd har ökat",
        "Folk flyttar från området",
    ],
    2: [
        "Hot mot personal på socialtjänsten",
        "Påtryckningar mot handläggare i bygglovsärenden",
        "Olovlig andrahandsuthyrning i allmännyttan",
        "Företag med kopplingar till nätverk vinner upphandlingar",
        "Handläggare följs efter från jobbet",
        "Falska intyg i ansökningar om bidrag",
        "Skolpersonal pressas att ändra betyg",
        "Anmälningar dras tillbaka efter hot",
        "Målvakter står som ägare till bolag",
        "Släktingar påverkar vittnen inför rättegång",
        "Personal lämnar ut uppgifter under press",
        "Bostäder hyrs ut svart via mellanhänder",
        "Föreningar används för att tvätta pengar",
        "Tolkar med egna intressen i ärenden",
        "Ordningsvakter utsätts för mutförsök",
        "Politiker hängs ut i sociala medier",
        "Tillstånd för serveringar söks av bulvaner",
        "Kontanthantering i tvättinrättningar",
        "Anställda på kommunen lockas med gåvor",
        "Brister i rutiner för att rapportera hot",
    ],
}
LONG = (
    (
        "Vi ser att droghandeln vid resecentrum har flyttat in i trapphusen när kamerorna kom "
        "upp, och att de som säljer är yngre än förut; "
    )
    * 8
)[:1000]  # the longest note a phone may send

# Every rendered piece of text on the page with the size it is drawn at: its computed
# font-size, times the SVG's scale for text inside an SVG (the matrix is drawn in its own units).
TEXT_SIZES = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest(".visually-hidden, title")) continue;
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const shown = [...range.getClientRects()].some(r => r.width > 1 && r.height > 1
      && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight);
    if (!shown) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) {
      const m = el.getScreenCTM();
      size *= Math.hypot(m.a, m.b);
    }
    found.push({text: node.textContent.trim().slice(0, 40), size: Math.round(size * 10) / 10,
                tag: el.tagName.toLowerCase(), cls: el.className.baseVal ?? el.className});
  }
  return found;
}"""

# Where each note is, and whether it is whole inside its column and the screen.
NOTES_IN_VIEW = """() => [...document.querySelectorAll("[data-fit] .note, [data-fit] .ranked-note")]
  .filter(n => n.checkVisibility())
  .map(n => {
    const r = n.getBoundingClientRect();
    const c = n.closest(".column").getBoundingClientRect();
    const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5
      && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
    const screen = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
    return {id: n.id, whole: inside(r, c) && inside(r, screen),
            size: parseFloat(getComputedStyle(n.querySelector(".note-text")).fontSize)};
  })"""

NO_SCROLL = """() => {
  const page = document.scrollingElement;
  return page.scrollHeight <= innerHeight && page.scrollWidth <= innerWidth;
}"""


def fitted(board: Page, notes: int) -> None:
    """Wait until the board has fitted itself to `notes` notes (js/board-fit.js says so)."""
    expect(board.locator(f"[data-fit][data-fit-notes='{notes}']").first).to_be_attached()


def too_small(board: Page, floor: float) -> list[dict[str, Any]]:
    return [t for t in board.evaluate(TEXT_SIZES) if t["size"] < floor]


def open_board(open_page: OpenPage, room: Room) -> Page:
    board = open_page("board")
    board.goto(room.urls["board"])
    expect(board.locator("#panel[data-stage]")).to_be_attached()
    board.evaluate("() => { window.ksSamePage = true; }")  # gone if the board reloads
    return board


def test_sixty_notes_arriving_live_all_show_at_24_px_or_more(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    room = make_room(live_server)
    room.stage("situation")
    board = open_board(open_page, room)
    long_id = 0
    for n in range(20):
        for a, area in enumerate(room.areas):
            text = LONG if (n, a) == (4, 0) else SEEN[a][n]
            note_id = room.note("situation", area, text)
            long_id = note_id if text == LONG else long_id
    fitted(board, 60)

    notes = board.evaluate(NOTES_IN_VIEW)
    assert len(notes) == 60, f"{len(notes)} of 60 notes show"
    assert [n["id"] for n in notes if not n["whole"]] == [], "notes cut off or off the screen"
    assert min(n["size"] for n in notes) >= 24, sorted({n["size"] for n in notes})
    assert board.evaluate(NO_SCROLL), "the board scrolls"
    expect(board.locator(".folded:visible")).to_have_count(0)
    # The 1,000-character note is cut to a few lines on the board, with "…".
    long_text = board.locator(f"#note-{long_id} .note-text")
    cut = long_text.evaluate(
        "t => ({shown: t.clientHeight, whole: t.scrollHeight,"
        " line: parseFloat(getComputedStyle(t).lineHeight)})"
    )
    assert cut["whole"] > cut["shown"] and cut["shown"] <= 4 * cut["line"] + 1, cut
    assert too_small(board, 20) == []
    assert board.evaluate("() => window.ksSamePage === true"), "the board reloaded"
    screenshot(board, "board-60-notes", doc="board-60-notes")


def test_a_hundred_and_fifty_notes_never_scroll_and_the_newest_shows(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    room = make_room(live_server)
    room.stage("situation")
    for n in range(49):
        for a, area in enumerate(room.areas):
            room.note("situation", area, f"{SEEN[a][n % 20]} ({n // 20 + 1})")
    board = open_board(open_page, room)
    fitted(board, 147)
    newest = 0
    for a, area in enumerate(room.areas):  # the last three arrive live
        newest = room.note("situation", area, f"Nytt just nu: {SEEN[a][0].lower()}")
    fitted(board, 150)

    assert board.evaluate(NO_SCROLL), "the board scrolls"
    expect(board.locator(f"#note-{newest}")).to_be_in_viewport(ratio=1)
    notes = board.evaluate(NOTES_IN_VIEW)
    assert [n["id"] for n in notes if not n["whole"]] == [], "notes cut off or off the screen"
    assert f"note-{newest}" in [n["id"] for n in notes]
    # Every note is on the board or counted where it would be: nothing disappears silently.
    counted = 0
    for line in board.locator(".folded:visible").all():
        text = line.inner_text()
        assert text.startswith("+") and "äldre lapp" in text, text
        counted += int(text[1:].split()[0])
    assert len(notes) + counted == 150, (len(notes), counted)
    assert min(n["size"] for n in notes) >= 20
    assert too_small(board, 20) == []
    screenshot(board, "board-150-notes", doc="board-150-notes")


def rated_actions(room: Room) -> list[int]:
    """Seven actions rated by the room, at the corners, the middle and a tie at (5, 1)."""
    situation = room.note("situation", room.areas[0], SEEN[0][0])
    cause = room.note("cause", room.areas[0], "Få vuxna ute på kvällstid", [situation])
    texts = [
        "Föräldravandringar fredag och lördag kväll",
        "Fler kameror vid resecentrum och torget",
        "Områdespoliser på plats i Kronoparken",
        "Bättre belysning i gångtunnlar och på torget",
        "Gemensam rutin med polisen för att rapportera hot mot personal",
        "Granska tillstånd för alkoholservering, bygglov och upphandlingar",
        "Ordningsvakter på fler platser",
    ]
    actions = [room.note("action", room.areas[i % 3], t, [cause]) for i, t in enumerate(texts)]
    room.change(actions[0], priority=1, owner_organization="Polisen", owner_person="Eva Ek")
    room.stage("prioritize")
    anna = room.join("Anna")
    ratings = [(5, 1), (1, 5), (5, 5), (1, 1), (3, 3), (4, 2), (5, 1)]
    for action, (impact, effort) in zip(actions, ratings, strict=True):
        body = {"impact": impact, "effort": effort}
        api(room.server, "PUT", f"/items/{action}/rating", anna, body)
    return actions


MATRIX = """() => {
  const svg = document.querySelector("#prioritize .matrix svg");
  const box = el => {
    const r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  };
  const drawn = t => {
    const m = t.getScreenCTM();
    return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
  };
  const all = selector => [...svg.querySelectorAll(selector)];
  return {
    svg: box(svg),
    frame: box(svg.querySelector(".matrix-frame")),
    names: all(".matrix-quadrant").map(box),
    markers: all(".matrix-point circle").map(box),
    labels: all(".matrix-quadrant, .matrix-axis, .matrix-tick, .matrix-marker")
      .map(t => ({text: t.textContent.trim(), size: drawn(t)})),
  };
}"""


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


def inside(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] >= b["left"]
        and a["right"] <= b["right"]
        and a["top"] >= b["top"]
        and a["bottom"] <= b["bottom"]
    )


def test_the_matrix_takes_half_the_screen_and_reads_from_the_back_row(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    room = make_room(live_server)
    board = open_board(open_page, room)
    rated_actions(room)
    expect(board.locator("#prioritize .matrix-point")).to_have_count(7)
    fitted(board, 7)

    m = board.evaluate(MATRIX)
    width = m["svg"]["right"] - m["svg"]["left"]
    # Measured as a share of the viewport's width (1920 px).
    assert width >= 0.5 * 1920, f"the matrix is {width:.0f} px wide"
    assert inside(m["svg"], {"left": 0, "top": 0, "right": 1920, "bottom": 1080})
    small = [label for label in m["labels"] if label["size"] < 24]
    assert small == [], small
    assert len(m["labels"]) >= 4 + 2 + 10 + 7
    for marker in m["markers"]:
        assert inside(marker, m["frame"]), f"a marker leaves the frame: {marker}"
        assert not any(overlaps(marker, name) for name in m["names"]), "a marker covers a name"
    # Two actions rated the same are both seen: their markers do not sit on each other.
    centres = [((k["left"] + k["right"]) / 2, (k["top"] + k["bottom"]) / 2) for k in m["markers"]]
    radius = (m["markers"][0]["right"] - m["markers"][0]["left"]) / 2
    for i, (x1, y1) in enumerate(centres):
        for x2, y2 in centres[i + 1 :]:
            assert (x1 - x2) ** 2 + (y1 - y2) ** 2 >= radius**2, "markers on top of each other"
    # The list beside it: every action whole on the screen, its lines ≥ 20 px.
    rows = board.locator(".action-list .action-row")
    expect(rows).to_have_count(7)
    for row in rows.all():
        expect(row).to_be_in_viewport(ratio=1)
    expect(rows.first.locator(".badge")).to_have_text("Prioritet 1")
    assert board.evaluate(NO_SCROLL), "the board scrolls"
    assert too_small(board, 20) == []
    screenshot(board, "board-matrix", doc="board-matrix")


def test_nothing_on_the_board_is_smaller_than_20_px_at_any_stage(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    room = make_room(live_server)
    board = open_board(open_page, room)
    assert too_small(board, 20) == [], "lobby"

    seen = [
        room.note("situation", area, SEEN[a][n])
        for n in range(4)
        for a, area in enumerate(room.areas)
    ]
    room.stage("causes")
    expect(board.locator("#panel[data-stage=causes]")).to_be_attached()
    causes = []
    for n, area in enumerate(room.areas * 3):
        causes.append(room.note("cause", area, f"Orsak {n + 1}: få vuxna ute", seen[n : n + 3]))
    room.change(causes[0], group_label="Vuxennärvaro")
    room.change(causes[3], group_label="Vuxennärvaro")
    fitted(board, 9)
    # The facilitator's group shows as one cluster under its label.
    cluster = board.locator(".group.is-labelled").filter(has_text="Vuxennärvaro")
    expect(cluster.locator(".group-label")).to_have_text("Vuxennärvaro")
    expect(cluster.locator(".note")).to_have_count(2)
    expect(cluster.locator(f"#note-{causes[0]}")).to_be_visible()
    expect(cluster.locator(f"#note-{causes[3]}")).to_be_visible()
    expect(board.locator(".chip").first).to_be_visible()
    assert too_small(board, 20) == [], "causes, with links and a group"

    room.voting("cause", "open")
    expect(board.locator(".voting-banner")).to_be_visible()
    fitted(board, 9)
    assert too_small(board, 20) == [], "voting open"
    room.voting("cause", "revealed")
    expect(board.locator(".ranked")).to_be_visible()
    fitted(board, 9)
    assert too_small(board, 20) == [], "votes revealed"
    assert board.evaluate(NO_SCROLL), "the board scrolls"

    room.stage("closed")
    expect(board.locator("#panel[data-stage=closed]")).to_be_attached()
    assert too_small(board, 20) == [], "closed"
