"""What a phone on the venue wifi has to fetch: the join page with everything it loads stays
within 100 kB as transferred (gzipped), and no page asks any host but our server (the venue may
have no internet, and the room's phones should not be reported to anyone)."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, Response, expect

from tests.e2e.conftest import LiveServer, OpenPage, requests_of

BUDGET_KB = 100.0


def transferred(page: Page, path: str) -> tuple[float, list[str]]:
    """kB on the wire (headers + body as sent, i.e. gzipped where the server compresses) for the
    page at `path` and every subresource it loads, in a fresh context with an empty cache."""
    responses: list[Response] = []
    page.on("response", lambda r: responses.append(r))
    page.goto(path, wait_until="load")
    total = 0
    lines = []
    for response in responses:
        if "text/event-stream" in (response.headers.get("content-type") or ""):
            continue  # the live stream never ends; its events are not page weight
        response.finished()
        sizes = response.request.sizes()
        size = sizes["responseHeadersSize"] + sizes["responseBodySize"]
        encoding = response.headers.get("content-encoding", "identity")
        total += size
        lines.append(f"{size / 1000:7.1f} kB  {encoding:8}  {urlsplit(response.url).path}")
    return total / 1000, lines


def test_the_join_page_weighs_under_the_budget(phone: Page) -> None:
    kb, lines = transferred(phone, "/join")
    print(f"\njoin page, as a phone fetches it: {kb:.1f} kB\n" + "\n".join(lines))
    assert len(lines) >= 5, "the page, its styles and its scripts were all measured"
    assert kb <= BUDGET_KB, f"the join page weighs {kb:.1f} kB, over {BUDGET_KB} kB"


def test_text_files_are_sent_compressed(phone: Page) -> None:
    responses: list[Response] = []
    phone.on("response", lambda r: responses.append(r))
    phone.goto("/join", wait_until="load")
    loose = []
    for response in responses:
        kind = response.headers.get("content-type", "")
        length = len(response.body())
        compressed = response.headers.get("content-encoding") == "gzip"
        if re.search(r"html|css|javascript", kind) and length > 1000 and not compressed:
            loose.append(f"{response.url} ({length} bytes)")
    assert loose == [], "sent uncompressed: " + ", ".join(loose)


def test_page_weights_and_no_other_host(
    open_page: OpenPage, live_server: LiveServer, make_workshop
) -> None:
    """Prints what each page weighs (the budget is the join page's, above), and checks that no
    page, in any state, asks a host other than our server."""
    w = make_workshop(participants=3)
    report = {}
    laptop = open_page("laptop")
    report["start"], _ = transferred(laptop, "/")
    laptop.locator("#title").fill("Tryggare Värnamo")
    laptop.locator("form button[type=submit]").click()
    expect(laptop.locator(".join-with .join-code")).to_be_visible()

    phone = open_page("phone")
    report["join"], _ = transferred(phone, f"/j/{w.join_code}")
    phone.locator("form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/p$"))
    lobby = open_page("phone", storage_state=phone.context.storage_state())
    report["phone lobby"], _ = transferred(lobby, phone.url)
    phone.goto("/join?code=QQQ999")
    phone.locator("form button[type=submit]").click()
    expect(phone.locator("#join_code-error")).to_be_visible()

    board = open_page("board")
    report["board lobby"], _ = transferred(board, f"/w/{w.slug}/board?key={w.board_token}")
    facilitator = open_page("laptop")
    report["facilitator"], _ = transferred(
        facilitator, f"/w/{w.slug}/facilitate?key={w.facilitator_token}"
    )
    print("\n" + "\n".join(f"{name:12} {kb:6.1f} kB" for name, kb in report.items()))
    assert all(kb > 1 for kb in report.values())

    problems: list[str] = []
    pages = (laptop, phone, lobby, board, facilitator)
    for page in pages:
        for url in requests_of(page):
            parts = urlsplit(url)
            if parts.scheme not in ("data", "blob", "about") and parts.netloc != live_server.host:
                problems.append(url)
    assert problems == [], "requests to other hosts: " + ", ".join(problems)
    assert sum(len(requests_of(page)) for page in pages) > 20  # the recording did record
