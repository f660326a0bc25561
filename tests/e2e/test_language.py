"""Swedish and English: the browser's language picks the start page's, the switch changes it and
sticks, and <html lang> always says which one is on the screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OpenPage, screenshot


@pytest.mark.parametrize(
    ("locale", "lang", "heading", "create"),
    [
        ("sv-SE", "sv", "Kraftsamla", "Skapa workshop"),
        ("en-GB", "en", "Rally our forces", "Create workshop"),
        ("de-DE", "sv", "Kraftsamla", "Skapa workshop"),  # neither: Swedish, the venue's
    ],
)
def test_the_browsers_language_picks_the_start_pages(
    open_page: OpenPage, locale: str, lang: str, heading: str, create: str
) -> None:
    page = open_page("laptop", locale=locale)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("button", name=create)).to_be_visible()
    screenshot(page, f"start-{locale}", full_page=True, doc="start" if locale == "sv-SE" else "")


def test_the_language_switch_changes_the_page_and_sticks(open_page: OpenPage) -> None:
    phone = open_page("phone", locale="sv-SE")
    phone.goto("/join")
    expect(phone.locator("html")).to_have_attribute("lang", "sv")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Gå med i en workshop")
    switch = phone.get_by_role("navigation", name="Språk").get_by_role("link")
    expect(switch).to_have_text("English")
    expect(switch).to_have_attribute("lang", "en")  # read out in English by a screen reader

    switch.click()
    expect(phone).to_have_url(re.compile(r"/join$"))  # back where it was
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Join a workshop")
    expect(phone.get_by_label("Code on the screen")).to_be_visible()

    phone.goto("/")  # the choice outlives the page, whatever the browser says
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Rally our forces")

    phone.get_by_role("navigation", name="Language").get_by_role("link", name="Svenska").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Kraftsamla")
    expect(phone.locator("html")).to_have_attribute("lang", "sv")


def test_a_workshop_in_english_greets_its_phones_in_english(
    open_page: OpenPage, make_workshop
) -> None:
    workshop = make_workshop(language="en")
    phone = open_page("phone", locale="sv-SE")
    phone.goto(f"/j/{workshop.join_code}")
    phone.locator("form button[type=submit]").click()
    expect(phone.get_by_text("Welcome!")).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
