"""Joining the way the room does: the facilitator creates the workshop on the start page, the
board goes up on the projector, phones join by typing the code or by the QR link, and the board
counts them live. Joining also works with JavaScript off."""

import re

from playwright.sync_api import Page, expect

from app.services.workshops import format_code
from tests.e2e.conftest import OpenPage, create_workshop, join_by_code, screenshot

PHONE_PAGE = re.compile(r"/w/[\w-]+/p$")


def test_phones_join_by_code_and_by_link_and_the_board_counts_them_live(
    facilitator_page: Page, board_page: Page, open_page: OpenPage
) -> None:
    created = create_workshop(facilitator_page, "Tryggare Värnamo")
    screenshot(facilitator_page, "created", full_page=True)
    qr_link = facilitator_page.locator("#link-join").input_value()
    assert qr_link and qr_link.endswith("/j/" + created.join_code.replace("-", ""))

    board_page.goto(created.links["board"])
    expect(board_page).not_to_have_url(re.compile(r"key="))  # the secret left the address bar
    count = board_page.locator("#participant-count")
    expect(count).to_have_text("0")
    expect(board_page.locator(".board-join .join-code")).to_have_text(created.join_code)
    expect(board_page.locator(".qr-wrap svg")).to_be_visible()
    board_page.evaluate("() => { window.ksSamePage = true; }")  # gone if the board reloads

    # Anna types the code from the screen, in lowercase, dash and all.
    anna = open_page("phone")
    join_by_code(anna, created.join_code.lower(), "Anna", "Polisen")
    expect(anna).to_have_url(PHONE_PAGE)
    expect(anna.get_by_text("Välkommen, Anna!")).to_be_visible()
    expect(count).to_have_text("1")

    # Bo scans the QR code: the form opens with the code filled in.
    bo = open_page("phone")
    bo.goto(qr_link)
    expect(bo.locator("#join_code")).to_have_value(created.join_code)  # as the board shows it
    bo.get_by_label("Ditt namn (frivilligt)").fill("Bo")
    bo.get_by_label("Organisation (frivilligt)").select_option("Kommunen")
    screenshot(bo, "join-phone", doc="join-phone")
    bo.get_by_role("button", name="Gå med", exact=True).click()
    expect(bo).to_have_url(PHONE_PAGE)
    expect(bo.get_by_text("Välkommen, Bo!")).to_be_visible()
    expect(count).to_have_text("2")
    expect(anna.locator("#participant-count")).to_have_text("2")  # phones count along too
    screenshot(board_page, "board-lobby", doc="board-lobby")
    screenshot(anna, "phone-lobby", doc="phone-lobby")

    assert board_page.evaluate("() => window.ksSamePage === true"), "the board reloaded"
    # A phone keeps who it is after a reload.
    anna.reload()
    expect(anna.get_by_text("Välkommen, Anna!")).to_be_visible()


def test_a_wrong_code_without_javascript_keeps_what_was_typed(
    open_page: OpenPage, make_workshop
) -> None:
    workshop = make_workshop(title="Tryggare Värnamo")
    phone = open_page("phone", java_script_enabled=False)
    phone.goto("/join")
    phone.locator("#join_code").fill("QQQ-999")
    phone.locator("#display_name").fill("Bo")
    phone.locator("#organization").select_option("Socialtjänsten")
    phone.get_by_role("button", name="Gå med", exact=True).click()

    error = phone.locator("#join_code-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Ingen workshop har koden QQQ-999.")
    expect(error).to_contain_text("Kontrollera koden på skärmen")
    code = phone.locator("#join_code")
    expect(code).to_have_value("QQQ-999")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_attribute("aria-describedby", "join_code-error")
    expect(phone.locator("#display_name")).to_have_value("Bo")
    expect(phone.locator("#organization")).to_have_value("Socialtjänsten")
    screenshot(phone, "join-wrong-code", doc="join-wrong-code")

    code.fill(workshop.join_code)
    phone.get_by_role("button", name="Gå med", exact=True).click()
    expect(phone).to_have_url(PHONE_PAGE)
    expect(phone.get_by_text("Välkommen, Bo!")).to_be_visible()


def test_the_join_link_works_without_javascript(open_page: OpenPage, make_workshop) -> None:
    workshop = make_workshop()
    phone = open_page("phone", java_script_enabled=False)
    phone.goto(f"/j/{workshop.join_code}")
    expect(phone.locator("#join_code")).to_have_value(format_code(workshop.join_code))
    phone.get_by_role("button", name="Gå med", exact=True).click()
    expect(phone).to_have_url(PHONE_PAGE)
    expect(phone.get_by_text("Välkommen!")).to_be_visible()
