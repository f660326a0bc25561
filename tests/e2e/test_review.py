"""The review stage of a follow-up workshop ("Sedan sist"), in the browser: the board and a phone
show last time's actions with their colours, and follow the facilitator's decisions live."""

import httpx
from playwright.sync_api import Page, expect

from tests.api.test_follow_up_workshop import plan
from tests.e2e.conftest import LiveServer, OpenPage, join_by_code, screenshot
from tests.e2e.test_board_scale import too_small


def review_card(page: Page, text: str):
    return page.locator(".review-action").filter(has=page.locator(".note-text", has_text=text))


def test_the_room_reviews_last_times_actions_on_the_board_and_a_phone(
    open_page: OpenPage, live_server: LiveServer, make_workshop
) -> None:
    earlier = make_workshop(title="Tryggare Värnamo")
    with httpx.Client(base_url=live_server.url) as api:
        plan(api, earlier)
        new = api.post(
            "/api/v1/workshops",
            json={"follows": {"workshop_id": earlier.id, "token": earlier.followup_token}},
        ).json()
        moved = api.put(
            f"/api/v1/workshops/{new['id']}/stage",
            json={"stage": "review"},
            headers={"Authorization": f"Bearer {new['facilitator_token']}"},
        )
        assert moved.status_code == 200

    facilitator = open_page("laptop")
    facilitator.goto(new["urls"]["facilitate"])
    board = open_page("board")
    board.goto(new["urls"]["board"])
    phone = open_page("phone")
    join_by_code(phone, new["join_code"], "Ulf", "Kommunen")
    for page in (facilitator, board, phone):
        expect(page.locator("#panel[data-stage=review]")).to_be_attached()
    expect(board.locator("h1")).to_have_text("Sedan sist")
    expect(phone.locator(".question")).to_have_text("Hur har det gått med åtgärderna sedan sist?")
    # Each carried action with its colour in words, numbered as in the earlier plan.
    for page in (board, phone):
        walks = review_card(page, "Föräldravandringar")
        expect(walks.locator(".rank")).to_have_text("1")
        expect(walks.locator(".follow-up")).to_have_text("Grön – går enligt plan")
        expect(walks).to_contain_text("Kommunen – Fritidsgården")
        expect(review_card(page, "Bättre belysning").locator(".follow-up")).to_have_text(
            "Röd – står still eller är försenad"
        )
    expect(board.locator(".review-action")).to_have_count(2)
    board.evaluate("() => { window.ksSamePage = true; }")  # gone if the board reloads

    # The facilitator marks the lamps as continuing and makes them yellow; the walks done.
    lamps = review_card(facilitator, "Bättre belysning")
    lamps.get_by_role("button", name="Fortsätter").click()
    expect(lamps.get_by_role("button", name="Fortsätter")).to_have_attribute("aria-pressed", "true")
    review_card(facilitator, "Bättre belysning").get_by_role("button", name="Gul").click()
    review_card(facilitator, "Föräldravandringar").get_by_role("button", name="Klar").click()
    for page in (board, phone):
        expect(review_card(page, "Bättre belysning").locator(".review-decision")).to_have_text(
            "Beslut: Fortsätter"
        )
        expect(review_card(page, "Bättre belysning").locator(".follow-up")).to_have_text(
            "Gul – risk för förseningar"
        )
        expect(review_card(page, "Föräldravandringar").locator(".review-decision")).to_have_text(
            "Beslut: Klar"
        )
    assert board.evaluate("() => window.ksSamePage === true"), "the board reloaded"
    assert too_small(board, 20) == [], "the review reads from the back row"
    for page in (board, phone, facilitator):
        page.mouse.move(0, 0)
    screenshot(board, "board-review", doc="board-review")
    screenshot(phone, "phone-review", full_page=True, doc="phone-review")

    # Next stage: the situation picture, with last time's context marked as such.
    facilitator.get_by_role("button", name="Nästa steg").click()
    expect(board.locator("#panel[data-stage=situation]")).to_be_attached()
    expect(board.locator(".note .carried").first).to_have_text("Från förra workshopen")
