"""Accessibility of the pages that exist: axe-core finds no serious or critical WCAG 2.1 A/AA
violation; a keyboard user sees where they are; a thumb can hit every control; nothing scrolls
sideways on a 320 px phone."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import OpenPage, run_axe, screenshot

Visit = Callable[[OpenPage, object], Page]


def start(open_page: OpenPage, w: object) -> Page:
    page = open_page("laptop")
    page.goto("/")
    return page


def created(open_page: OpenPage, w: object) -> Page:
    page = open_page("laptop")
    page.goto("/")
    page.locator("#title").fill("Tryggare Värnamo")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".join-with .join-code")).to_be_visible()
    return page


def join(open_page: OpenPage, w: object) -> Page:
    page = open_page("phone")
    page.goto("/join")
    return page


def join_error(open_page: OpenPage, w: object) -> Page:
    page = open_page("phone")
    page.goto("/join")
    page.locator("#join_code").fill("QQQ-999")
    page.locator("form button[type=submit]").click()
    expect(page.locator("#join_code-error")).to_be_visible()
    return page


def lobby(open_page: OpenPage, w) -> Page:  # type: ignore[no-untyped-def]
    page = open_page("phone")
    page.goto(f"/j/{w.join_code}")
    page.locator("#display_name").fill("Anna")
    page.locator("form button[type=submit]").click()
    expect(page.get_by_text("Välkommen, Anna!")).to_be_visible()
    return page


def board(open_page: OpenPage, w) -> Page:  # type: ignore[no-untyped-def]
    page = open_page("board")
    page.goto(f"/w/{w.slug}/board?key={w.board_token}")
    expect(page.locator(".qr-wrap svg")).to_be_visible()
    return page


def facilitator(open_page: OpenPage, w) -> Page:  # type: ignore[no-untyped-def]
    page = open_page("laptop")
    page.goto(f"/w/{w.slug}/facilitate?key={w.facilitator_token}")
    expect(page.get_by_role("navigation", name="Steg")).to_be_visible()
    return page


PAGES: dict[str, Visit] = {
    "start": start,
    "created": created,
    "join": join,
    "join-error": join_error,
    "phone-lobby": lobby,
    "board-lobby": board,
    "facilitator": facilitator,
}
PHONE_PAGES = ("join", "join-error", "phone-lobby")


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_violation(open_page: OpenPage, make_workshop, name: str) -> None:
    page = PAGES[name](open_page, make_workshop())
    violations = run_axe(page)
    print(f"axe {name}: {len(violations)} serious/critical")
    assert violations == [], describe(violations)


def test_axe_would_catch_a_field_without_label(open_page: OpenPage) -> None:
    """The audit itself can fail: a field without a label and faint text are reported."""
    page = open_page("phone")
    page.goto("/join")
    page.evaluate(
        """() => {
            const field = document.createElement("input");
            field.id = "nameless";
            document.querySelector("form").append(field);
            document.querySelector(".hint").style.color = "#ccc";  // CSSOM: CSP allows it
        }"""
    )
    found = {v["id"] for v in run_axe(page)}
    assert {"label", "color-contrast"} <= found


@pytest.mark.parametrize("name", PHONE_PAGES)
def test_a_thumb_can_hit_every_control(open_page: OpenPage, make_workshop, name: str) -> None:
    page = PAGES[name](open_page, make_workshop())
    small = page.evaluate(
        """() => [...document.querySelectorAll("a, button, input, select, textarea, summary")]
            .filter((el) => el.getClientRects().length && el.type !== "hidden")
            .filter((el) => !el.closest("p, li, dd") || !el.matches("a"))  // links in a sentence
            .map((el) => [el, el.getBoundingClientRect()])
            .filter(([el, box]) => box.right > 0 && (box.width < 44 || box.height < 44))
            .map(([el, box]) => `${el.outerHTML.slice(0, 80)} ${box.width}x${box.height}`)"""
    )
    assert small == [], "targets under 44 px:\n" + "\n".join(small)


@pytest.mark.parametrize("name", ["start", "created", *PHONE_PAGES])
def test_nothing_scrolls_sideways_on_a_320px_phone(
    open_page: OpenPage, make_workshop, name: str
) -> None:
    page = PAGES[name](open_page, make_workshop())
    page.set_viewport_size({"width": 320, "height": 640})
    widest = page.evaluate(
        """() => [document.documentElement.scrollWidth,
                  ...[...document.querySelectorAll("body *")]
                      .filter((el) => el.getClientRects().length)
                      .map((el) => el.getBoundingClientRect().right)]
            .reduce((a, b) => Math.max(a, b), 0)"""
    )
    screenshot(page, f"320-{name}", full_page=True)
    assert widest <= 320, f"{name} is {widest}px wide at 320px"


def test_the_keyboard_path_through_the_join_form_is_visible(open_page: OpenPage) -> None:
    page = open_page("phone", has_touch=False, is_mobile=False)
    page.goto("/join")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the skip link stays off screen when focused"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    code = page.locator("#join_code")
    for _ in range(10):  # from main: the next stops lead to the form
        page.keyboard.press("Tab")
        if code.evaluate("(el) => el === document.activeElement"):
            break
    expect(code).to_be_focused()
    for field in ("#join_code", "#display_name", "#organization", "form button[type=submit]"):
        control = page.locator(field)
        control.focus()
        ring = control.evaluate(
            """(el) => { const s = getComputedStyle(el);
                return {style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                        shadow: s.boxShadow}; }"""
        )
        assert ring["style"] != "none" and ring["width"] >= 2, (field, ring)
        assert ring["shadow"] != "none", (field, ring)
    page.locator("#join_code").focus()
    screenshot(page, "join-focus")
