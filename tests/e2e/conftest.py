"""Browser tests: the real app in a uvicorn subprocess on the test database, driven by Debian's
Chromium through Playwright's sync API.

- `live_server`: one uvicorn per xdist worker (session scope), on a free port, on the same
  database as the rest of the suite (`database_url`), so e2e runs on SQLite and PostgreSQL.
- `browser`: one headless Chromium per worker. Never `playwright install`: it downloads a
  browser and fails here; /usr/bin/chromium comes from apt (`make e2e-deps`).
- `phone`, `board_page`, `facilitator_page`: a page in a fresh context per test; `open_page`
  opens more (a second phone, JavaScript off, another language). Every context records the
  requests it makes (`requests_of(page)`), so tests can check that nothing leaves the server.
- `wifi`: a relay between a phone and the app that can drop like a venue's wifi (`Wifi.drop`,
  `Wifi.restore`); open the phone with `open_page("phone", base_url=wifi.url)`.

Playwright's sync API keeps its event loop marked as running in this thread between calls. The
rest of the suite (TestClient, anyio) runs in the same xdist workers and must not see that loop,
so `_playwright_loop` marks it running only while an e2e test runs, and clears it afterwards.
"""

import asyncio
import contextlib
import functools
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from app.config import ROOT

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


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(server: LiveServer, deadline_s: float = 30.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if server.process.poll() is not None:
            raise RuntimeError(f"uvicorn exited:\n{server.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"uvicorn did not answer /healthz:\n{server.log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def live_server(
    database_url: str, migrated: None, worker_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ADMIN_PASSWORD": "",
        "PUBLIC_URL": "",
        "KS_BROKER": "memory",
    }
    log = tmp_path_factory.mktemp("uvicorn") / f"uvicorn-{worker_id}.log"
    python = ROOT / ".venv" / "bin" / "python"
    for _attempt in range(3):  # a free port can be taken between the check and the bind
        port = _free_port()
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    str(python if python.exists() else sys.executable),
                    "-m",
                    "uvicorn",
                    "app.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--timeout-graceful-shutdown",
                    "1",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = LiveServer(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_healthy(server)
        except RuntimeError:
            _stop(process)
            if "address already in use" in log.read_text().lower():
                continue
            raise
        break
    else:
        raise RuntimeError("no free port for uvicorn")
    yield server
    _stop(server.process)


# --- The venue's wifi -------------------------------------------------------------------------


class Wifi:
    """A TCP relay between a phone and the app that drops like a venue's wifi.

    `context.set_offline(True)` alone does not do it: Chromium refuses new requests but keeps an
    open event stream delivering, so a phone would never notice it was away. `drop()` cuts every
    open connection (the phone's live stream ends) and refuses new ones until `restore()`."""

    def __init__(self, target: LiveServer) -> None:
        self._target = ("127.0.0.1", int(target.url.rsplit(":", 1)[1]))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._up = True
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                if not self._up:
                    raise OSError("the wifi is down")
                upstream = socket.create_connection(self._target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _close(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with self._lock:
                self._open.discard(sock)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in recv()
            sock.close()

    def drop(self) -> None:
        self._up = False
        with self._lock:
            sockets = list(self._open)
        self._close(*sockets)

    def restore(self) -> None:
        self._up = True

    def close(self) -> None:
        self._close(self._listener)
        self.drop()


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
        links[url.split("/w/", 1)[1].split("/")[1].split("?")[0]] = url
    code = page.locator(".join-code").first.inner_text().strip()
    return Created(title, code, links)


def join_by_code(page: Page, code: str, name: str = "", organization: str = "") -> None:
    page.goto("/join")
    page.locator("#join_code").fill(code)
    if name:
        page.locator("#display_name").fill(name)
    if organization:
        page.locator("#organization").fill(organization)
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
