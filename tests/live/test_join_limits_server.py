"""Join limits through real uvicorn processes: the counters are shared by several workers, and
X-Forwarded-For is believed only from a proxy the server was told about, and then only the
address that proxy saw (rotating the rest of the header does not escape the limits)."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from app.services import throttle
from tests.servers import LiveServer, running_server

WRONG = "ZZZZZZ"
ServerMaker = Callable[..., AbstractContextManager[LiveServer]]


@pytest.fixture
def serve(database_url: str, migrated: None, tmp_path: Path) -> ServerMaker:
    def start(workers: int = 1, args: tuple[str, ...] = ("--no-proxy-headers",)):
        return running_server(database_url, tmp_path / "uvicorn.log", workers=workers, args=args)

    return start


def _guess(http: httpx.Client, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return http.post("/api/v1/join", json={"join_code": WRONG}, headers=headers).status_code


@pytest.fixture
def room_code(serve: ServerMaker) -> Iterator[Callable[[httpx.Client], str]]:
    def make(http: httpx.Client) -> str:
        return http.post("/api/v1/workshops", json={"title": "Rummet"}).json()["join_code"]

    yield make


def test_two_workers_share_the_wrong_code_counter(serve: ServerMaker) -> None:
    with serve(workers=2) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        # Each request on a new connection, so both workers get some.
        answers = []
        for _ in range(throttle.WRONG_PER_ADDRESS):
            with httpx.Client(base_url=server.url, timeout=10) as one:
                answers.append(_guess(one))
        assert answers == [404] * throttle.WRONG_PER_ADDRESS
        after = []
        for _ in range(8):
            with httpx.Client(base_url=server.url, timeout=10) as one:
                after.append(_guess(one))
        # Counted per worker in memory, half of these would still be 404.
        assert after == [429] * 8
        assert http.get("/healthz").status_code == 200


def test_forwarded_for_from_an_untrusted_client_is_ignored(
    serve: ServerMaker, room_code: Callable[[httpx.Client], str]
) -> None:
    with serve() as server, httpx.Client(base_url=server.url, timeout=10) as http:
        statuses = [_guess(http, f"10.1.{i}.{i}") for i in range(throttle.WRONG_PER_ADDRESS + 5)]
        assert statuses[-5:] == [429] * 5


def test_behind_a_trusted_proxy_the_address_it_saw_is_counted(
    serve: ServerMaker, room_code: Callable[[httpx.Client], str]
) -> None:
    """The test client plays the proxy on 127.0.0.1: it appends the address it saw to whatever
    X-Forwarded-For the client sent, as nginx's $proxy_add_x_forwarded_for does."""
    trusted = ("--proxy-headers", "--forwarded-allow-ips=127.0.0.1")
    with serve(args=trusted) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        code = room_code(http)
        rotating = [
            _guess(http, f"10.2.{i}.{i}, 203.0.113.7") for i in range(throttle.WRONG_PER_ADDRESS)
        ]
        assert rotating == [404] * throttle.WRONG_PER_ADDRESS
        assert _guess(http, "10.2.250.250, 203.0.113.7") == 429  # rotating did not escape
        # Someone else behind the proxy is another address: not limited by those guesses.
        assert _guess(http, "203.0.113.8") == 404
        joined = http.post(
            "/api/v1/join", json={"join_code": code}, headers={"X-Forwarded-For": "203.0.113.8"}
        )
        assert joined.status_code == 201
