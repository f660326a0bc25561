"""Browser tests: the real app in a uvicorn subprocess on the test database, driven by Debian's
Chromium through Playwright's sync API.

- `live_server`: one uvicorn per xdist worker (session scope), on a free port, on the same
  database as the rest of the suite (`database_url`), so e2e runs on SQLite and PostgreSQL.
- `browser`: one headless Chromium per worker. Never `playwright install`: it downloads a
  browser and fails here; /usr/bin/chromium comes from apt (`make e2e-deps`).
- `phone`, `board_page`, `facilitator_page`: a page in a fresh context per test; `open_page`
  opens more (a second phone, JavaScript off, another language). Every context records the
  requests it makes (`requests_of(page)`), so tests can check that nothing leaves the server.
- `wifi`: a TCP relay between a page and the app that fails like a venue's wifi: it refuses and
  cuts connections (`Wifi.drop`), or lets them hang without a word (`Wifi.stall`), until
  `Wifi.restore`; open a page through it with `open_page("phone", base_url=wifi.url)`.
- `start_server`: another uvicorn on the test database, for a test that kills and restarts it.
- `panel_snapshot`, `same_as_fresh`: what a page's panel shows, and the check that a page that
  healed itself shows what a fresh load of it (same cookies, new context) shows.

Playwright's sync API keeps its event loop marked as running in this thread between calls. The
rest of the suite (TestClient, anyio) runs in the same xdist workers and must not see that loop,
so `_playwright_loop` marks it running only while an e2e test runs, and clears it afterwards.
"""

import asyncio
import contextlib
import functools
import json
import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from app.config import ROOT
from tests.servers import LiveServer, running_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
DOC_SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "static" / "vendor" / "axe.min.js"
TIMEOUT_MS = 8_000  # generous for a busy CI machine; a passing test never waits this long

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "sv-SE",
}
BOARD = {"viewport": {"width": 1920, "height": 1080}, "locale": "sv-SE"}
LAPTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "sv-SE"}
KINDS: dict[str, dict[str, Any]] = {"phone": PHONE, "board": BOARD, "laptop": LAPTOP}

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


# --- The server -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(
    database_url: str, migrated: None, worker_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    log = tmp_path_factory.mktemp("uvicorn") / f"uvicorn-{worker_id}.log"
    with running_server(database_url, log) as server:
        yield server


# --- The venue's wifi -------------------------------------------------------------------------


@dataclass(eq=False)
class _Link:
    """One browser connection through the wifi and its connection to the app."""

    client: socket.socket
    upstream: socket.socket
    flowing: threading.Event  # cleared while the wifi is stalled: data waits, nothing passes
    cut: bool = False


class Wifi:
    """A TCP relay between the browser and the app that fails like a venue's wifi.

    `context.set_offline(True)` alone does not do it: Chromium refuses new requests but keeps an
    open event stream delivering, so a page would never notice it was away.

    - `drop()`: the wifi is gone. Every open connection is cut (the browser sees it end) and new
      ones are refused: nothing listens on the port until `restore()`.
    - `stall()`: the wifi goes silent, without a reset (a phone out of range, a NAT entry that
      expired while it slept). Open and new connections stay open, but nothing passes either way.
    - `restore()`: the port listens again and stalled connections deliver what they held (a short
      blip that TCP rides out); `restore(revive=False)` leaves them dead for good, as after a long
      sleep, so only the browser's own timeouts and watchdogs can notice.
    """

    def __init__(self, target: LiveServer) -> None:
        self._target = ("127.0.0.1", int(target.url.rsplit(":", 1)[1]))
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._dead: list[_Link] = []  # stalled and never revived: closed only at the end
        self._stalled = False
        self._listener: socket.socket | None = None
        self.port = 0
        self._listen()
        self.url = f"http://127.0.0.1:{self.port}"

    def _listen(self) -> None:
        deadline = time.monotonic() + 5
        while True:
            try:
                listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed: the wifi is down
            try:
                upstream = socket.create_connection(self._target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            link = _Link(client, upstream, threading.Event())
            with self._lock:
                if not self._stalled:
                    link.flowing.set()
                self._links.add(link)
                refused = listener is not self._listener  # dropped while this one came in
            if refused:
                self._cut(link)
                continue
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(link, source, sink), daemon=True).start()

    def _pipe(self, link: _Link, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                link.flowing.wait()
                if link.cut:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._cut(link)

    def _cut(self, link: _Link) -> None:
        link.cut = True
        link.flowing.set()  # a pipe waiting on a stalled link ends too
        with self._lock:
            self._links.discard(link)
        for sock in (link.client, link.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in recv()
            sock.close()

    def _close_listener(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
            listener.close()

    def drop(self) -> None:
        self._close_listener()
        with self._lock:
            links = list(self._links)
        for link in links:
            self._cut(link)

    def stall(self) -> None:
        with self._lock:
            self._stalled = True
            for link in self._links:
                link.flowing.clear()

    def restore(self, revive: bool = True) -> None:
        with self._lock:
            self._stalled = False
            stalled = [link for link in self._links if not link.flowing.is_set()]
            if not revive:
                self._links.difference_update(stalled)
                self._dead.extend(stalled)
        if revive:
            for link in stalled:
                link.flowing.set()
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self._close_listener()
        with self._lock:
            links = list(self._links) + self._dead
        for link in links:
            self._cut(link)


@pytest.fixture
def wifi(live_server: LiveServer) -> Iterator[Wifi]:
    """`open_page("phone", base_url=wifi.url)`: a phone that reaches the app through the wifi."""
    relay = Wifi(live_server)
    yield relay
    relay.close()


# --- The browser ------------------------------------------------------------------------------


@dataclass
class _Driver:
    playwright: Playwright
    browser: Browser
    loop: asyncio.AbstractEventLoop | None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@pytest.fixture(scope="session")
def _driver() -> Iterator[_Driver]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make e2e-deps` (apt-get install chromium)")
    if _running_loop() is not None:  # left behind by something else: Playwright would refuse
        asyncio._set_running_loop(None)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    driver = _Driver(playwright, browser, _running_loop())
    asyncio._set_running_loop(None)
    yield driver
    asyncio._set_running_loop(driver.loop)
    try:
        browser.close()
        playwright.stop()
    finally:
        asyncio._set_running_loop(None)


@pytest.fixture
def _playwright_loop(_driver: _Driver) -> Iterator[None]:
    """Playwright's loop counts as running only while an e2e test runs (see module doc)."""
    asyncio._set_running_loop(_driver.loop)
    yield
    asyncio._set_running_loop(None)


@pytest.fixture
def browser(_driver: _Driver, _playwright_loop: None) -> Browser:
    return _driver.browser


# --- Pages ------------------------------------------------------------------------------------


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[OpenPage]:
    """`open_page("phone", locale="en-GB", java_script_enabled=False)`: a page in a new context
    of that kind (phone, board, laptop), closed after the test."""
    contexts: list[BrowserContext] = []

    def open_(kind: str = "phone", **options: Any) -> Page:
        context = browser.new_context(**{"base_url": live_server.url, **KINDS[kind], **options})
        context.set_default_timeout(TIMEOUT_MS)
        requests: list[str] = []
        context.on("request", lambda req: requests.append(req.url))
        contexts.append(context)
        page = context.new_page()
        page._ks_requests = requests  # type: ignore[attr-defined]
        page._ks_kind = kind  # type: ignore[attr-defined]
        return page

    yield open_
    failed = getattr(request.node, "_ks_failed", False)
    for index, context in enumerate(contexts):
        if failed:
            for n, page in enumerate(context.pages):
                _safe_screenshot(page, ARTIFACTS / f"FAILED-{request.node.name}-{index}-{n}.png")
        context.close()


def _safe_screenshot(page: Page, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # a screenshot of a failure must not hide the failure
        print(f"no screenshot {path.name}: {error}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item._ks_failed = True  # type: ignore[attr-defined]


@pytest.fixture
def phone(open_page: OpenPage) -> Page:
    return open_page("phone")


@pytest.fixture
def board_page(open_page: OpenPage) -> Page:
    return open_page("board")


@pytest.fixture
def facilitator_page(open_page: OpenPage) -> Page:
    return open_page("laptop")


def requests_of(page: Page) -> list[str]:
    return page._ks_requests  # type: ignore[attr-defined,no-any-return]


def screenshot(page: Page, name: str, *, full_page: bool = False, doc: str = "") -> Path:
    """Into tests/e2e/artifacts/ always; the ones named `doc` also into docs/screenshots/ when
    KS_DOC_SCREENSHOTS=1 (the committed pictures are refreshed on purpose, not by every run)."""
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    if doc and os.environ.get("KS_DOC_SCREENSHOTS") == "1":
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_SCREENSHOTS / f"{doc}.png")
    return path


# --- Steps that many tests take ---------------------------------------------------------------


@dataclass
class Created:
    title: str
    join_code: str
    links: dict[str, str]  # facilitate, board, followup: the secret links from the ready page


def create_workshop(page: Page, title: str = "Tryggare Värnamo") -> Created:
    """The facilitator fills in the start page like a person would and reads the ready page."""
    page.goto("/")
    page.locator("#title").fill(title)
    page.locator("form button[type=submit]").click()
    expect(page.locator(".join-code").first).to_be_visible()
    links = {}
    for field in page.locator("input.copy").all():
        url = field.input_value()
        if "/w/" in url:  # the page's own links; the join link is the code's
            links[url.split("/w/", 1)[1].split("/")[1].split("?")[0]] = url
    code = page.locator(".join-code").first.inner_text().strip()
    return Created(title, code, links)


def join_by_code(page: Page, code: str, name: str = "", organization: str = "") -> None:
    page.goto("/join")
    page.locator("#join_code").fill(code)
    if name:
        page.locator("#display_name").fill(name)
    if organization:
        # Free text: matched to the workshop's list (or "Annan") on joining.
        page.locator("#organization_other").fill(organization)
    page.locator("form button[type=submit]").click()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page as it is now.

    The page keeps its CSP while audited: `add_script_tag` would add an inline <script> that
    script-src 'self' rightly refuses, so axe's source goes in through DevTools evaluation, which
    CSP does not govern, instead of loosening the policy with `bypass_csp`."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {_axe_source()}\n}}")
    result = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            resultTypes: ["violations"],
        })"""
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


# --- The JSON API, as an integration (or another participant's app) uses it ---------------------


def api(server: LiveServer, method: str, path: str, token: str = "", body: Any = None) -> Any:
    request = urllib.request.Request(
        server.url + "/api/v1" + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


# --- A page that healed itself, against a fresh load of it --------------------------------------

# What a person sees in a page's panel: its text and the state of its controls (a dot's label, a
# button that is disabled, a rating that is checked); not pixels, not hidden fields (keys, tokens).
# Null while the panel is being fetched again. The board shows the address it was reached at, and
# a relay and the server differ in their port: the address counts as the same.
PANEL_SNAPSHOT = """() => {
  const panel = document.getElementById("panel");
  if (!panel || panel.hasAttribute("aria-busy")) { return null; }
  const parts = ["stage " + panel.dataset.stage, panel.innerText];
  const controls = "[aria-label], button, input[type=radio], input[type=checkbox]";
  panel.querySelectorAll(controls).forEach((el) => {
    if (el.closest("[hidden]")) { return; }
    const state = (el.disabled ? " disabled" : "") + (el.checked ? " checked" : "");
    parts.push(el.tagName + " " + (el.getAttribute("aria-label") || "") + state);
  });
  return parts.join("\\n").replace(/127\\.0\\.0\\.1:\\d+/g, "HOST");
}"""


def panel_snapshot(page: Page) -> str | None:
    return page.evaluate(PANEL_SNAPSHOT)  # type: ignore[no-any-return]


def fresh_snapshot(page: Page, open_page: OpenPage, base_url: str) -> str:
    """The panel of a fresh load of `page`'s address at `base_url`, in a new context with the same
    cookies (the same phone, facilitator or board identity), as a person reloading would see it."""
    address = urlsplit(page.url)
    kind = page._ks_kind  # type: ignore[attr-defined]
    fresh = open_page(kind, base_url=base_url, storage_state=page.context.storage_state())
    fresh.goto(address.path + (f"?{address.query}" if address.query else ""))
    fresh.wait_for_function(f"() => ({PANEL_SNAPSHOT})() !== null")
    snapshot = panel_snapshot(fresh)
    assert snapshot is not None
    fresh.context.close()
    return snapshot


def wait_same(page: Page, expected: str, timeout_ms: float = 20_000) -> float:
    """Waits until `page`'s panel shows `expected`; returns the seconds it took."""
    start = time.monotonic()
    try:
        page.wait_for_function(
            f"expected => ({PANEL_SNAPSHOT})() === expected", arg=expected, timeout=timeout_ms
        )
    except Exception as error:
        raise AssertionError(
            f"the page never showed what a fresh load shows\n--- fresh:\n{expected}\n"
            f"--- page:\n{panel_snapshot(page)}"
        ) from error
    return time.monotonic() - start
