"""The facilitator moves the whole room, so a stage moves only on purpose: a double click on
"Nästa steg" moves one stage, Page Down scrolls the facilitator's long page (it moves stages
only when a presenter clicker is switched on), and every move says where the room went, with
an Undo that moves it back."""

import re

from playwright.sync_api import Page, Request, expect

from tests.e2e.conftest import LiveServer, OpenPage
from tests.e2e.room import Room, make_room

STAGE_POST = re.compile(r"/facilitate/stage$")


def stage_is(page: Page, stage: str) -> None:
    expect(page.locator(f"#panel[data-stage={stage}]")).to_be_attached()


def stage_posts(page: Page) -> list[Request]:
    """Every stage move the page sends from now on."""
    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r) if STAGE_POST.search(r.url) else None)
    return posts


def open_room(open_page: OpenPage, room: Room) -> tuple[Page, Page]:
    facilitator = open_page("laptop")
    facilitator.goto(room.urls["facilitate"])
    board = open_page("board")
    board.goto(room.urls["board"])
    stage_is(facilitator, room.stage_now())
    stage_is(board, room.stage_now())
    return facilitator, board


def test_a_double_click_on_next_moves_one_stage(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    room = make_room(live_server)
    facilitator, board = open_room(open_page, room)
    posts = stage_posts(facilitator)

    facilitator.get_by_role("button", name="Nästa steg").dblclick()

    stage_is(facilitator, "situation")
    stage_is(board, "situation")
    expect(facilitator.locator("#stage-toast")).to_contain_text("Flyttade till Lägesbild")
    assert room.stage_now() == "situation"
    # One move got through; anything more the page sent was refused as stale (409).
    statuses = [post.response().status for post in posts]  # type: ignore[union-attr]
    assert statuses and statuses[0] in (200, 204), statuses
    assert all(status == 409 for status in statuses[1:]), statuses
    assert all("from=lobby" in (post.post_data or "") for post in posts), "sent without `from`"


def test_undo_moves_the_room_back(open_page: OpenPage, live_server: LiveServer) -> None:
    room = make_room(live_server)
    room.stage("actions")
    facilitator, board = open_room(open_page, room)

    facilitator.get_by_role("button", name="Nästa steg").click()
    stage_is(board, "prioritize")
    toast = facilitator.locator("#stage-toast")
    expect(toast.get_by_role("status")).to_have_text("Flyttade till Prioritera")
    posts = stage_posts(facilitator)
    toast.get_by_role("button", name="Ångra").click()

    stage_is(facilitator, "actions")
    stage_is(board, "actions")
    assert room.stage_now() == "actions"
    # The undo is a move back that names the stage it undoes.
    assert len(posts) == 1
    sent = posts[0].post_data or ""
    assert "stage=actions" in sent and "from=prioritize" in sent, sent
    # It says so too, and offers the way forward again.
    expect(toast.get_by_role("status")).to_have_text("Flyttade till Åtgärder")
    expect(toast.get_by_role("button", name="Ångra")).to_be_visible()
    facilitator.keyboard.press("Escape")  # it goes away by itself, or at once with Escape
    expect(toast.get_by_role("button", name="Ångra")).to_be_hidden()


def test_page_keys_scroll_unless_a_presenter_clicker_is_switched_on(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    room = make_room(live_server)
    for n in range(12):  # a long facilitator page, as on the day
        for area in room.areas:
            room.note("situation", area, f"Iakttagelse nummer {n + 1} om läget i området")
    room.stage("situation")
    facilitator, board = open_room(open_page, room)
    posts = stage_posts(facilitator)
    facilitator.locator("h1").click()  # focus on the page, not in a field

    # Page Down scrolls the page, as everywhere else; the room stays where it is.
    facilitator.keyboard.press("PageDown")
    facilitator.wait_for_function("() => window.scrollY > 0")
    facilitator.keyboard.press("Alt+ArrowRight")  # the deliberate move, for comparison
    stage_is(board, "causes")
    stage_is(facilitator, "causes")
    assert room.stage_now() == "causes"
    assert len(posts) == 1, "Page Down moved the stage"

    # A facilitator with a clicker switches it on: Page Down / Page Up then move, and never scroll.
    clicker = facilitator.get_by_label("Låt en presentationsklicker byta steg")
    clicker.check()
    facilitator.evaluate("() => window.scrollTo(0, 0)")
    facilitator.keyboard.press("PageDown")
    stage_is(board, "actions")
    stage_is(facilitator, "actions")
    assert facilitator.evaluate("() => window.scrollY") == 0
    # The choice stays with this browser when the page changes.
    expect(facilitator.get_by_label("Låt en presentationsklicker byta steg")).to_be_checked()
    facilitator.keyboard.press("PageUp")
    stage_is(board, "causes")
    assert room.stage_now() == "causes"
