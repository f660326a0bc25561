"""Join limits (services/throttle.py): a room joins in a burst from one address, a guesser is
stopped, the right code is not refused because of someone else's wrong ones, and a refusal says
how long to wait, on both faces."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert
from sqlmodel import select

from app.db import get_engine
from app.models import Attempt, utcnow
from app.services import throttle, uow, workshops
from app.services.errors import NotFound, TooManyAttempts
from tests.conftest import MadeWorkshop
from tests.web.conftest import csrf_of

WRONG = "ZZZZZZ"  # no workshop has it (codes are drawn at random; checked below)
NAT = "198.51.100.7"


def join_from(address: str, code: str) -> workshops.Joined:
    return uow.run(workshops.join, code, None, None, client=address)


def guess(address: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(NotFound):
            join_from(address, WRONG)


@pytest.fixture
def room(make_workshop: Callable[..., MadeWorkshop]) -> MadeWorkshop:
    made = make_workshop()
    assert made.join_code != WRONG
    return made


def test_a_room_of_a_hundred_joins_in_a_burst_from_one_address(client: TestClient, room) -> None:
    for i in range(100):
        answer = client.post("/api/v1/join", json={"join_code": room.join_code})
        assert answer.status_code == 201, (i, answer.text)


def test_wrong_codes_from_one_address_are_limited_with_retry_after(
    client: TestClient, room
) -> None:
    for _ in range(throttle.WRONG_PER_ADDRESS):
        assert client.post("/api/v1/join", json={"join_code": WRONG}).status_code == 404
    answer = client.post(
        "/api/v1/join", json={"join_code": WRONG}, headers={"Accept-Language": "sv"}
    )
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["Retry-After"]) <= 600
    assert "För många felaktiga koder" in answer.json()["detail"]
    # The HTML face: the join form again, 429, the same header, the message in Swedish.
    form = client.get("/join", headers={"Accept-Language": "sv"})
    page = client.post(
        "/join",
        data={"csrf_token": csrf_of(form.text), "join_code": WRONG},
        headers={"Accept-Language": "sv"},
    )
    assert page.status_code == 429
    assert 1 <= int(page.headers["Retry-After"]) <= 600
    assert "För många felaktiga koder" in page.text


def test_the_right_code_is_not_refused_because_of_someone_elses_wrong_ones(room) -> None:
    join_from(NAT, room.join_code)  # the room starts joining from the venue's NAT
    guess(NAT, throttle.WRONG_PER_ADDRESS)  # a prankster behind the same NAT
    with pytest.raises(TooManyAttempts):
        join_from(NAT, WRONG)
    for _ in range(20):  # the rest of the room still gets in
        assert join_from(NAT, room.join_code).participant.id is not None


def test_a_guarded_address_learns_nothing_about_other_workshops(room, make_workshop) -> None:
    other = make_workshop()
    join_from(NAT, room.join_code)
    guess(NAT, throttle.WRONG_PER_ADDRESS)
    with pytest.raises(TooManyAttempts) as right:
        join_from(NAT, other.join_code)  # right, but for a workshop nobody here joined
    with pytest.raises(TooManyAttempts) as wrong:
        join_from(NAT, WRONG)
    assert str(right.value) == str(wrong.value)


def test_another_addresses_wrong_codes_do_not_count_against_you(room) -> None:
    guess("203.0.113.1", throttle.WRONG_PER_ADDRESS)
    guess("203.0.113.2", 3)  # still a plain "no such code", not a 429
    assert join_from("203.0.113.2", room.join_code).participant.id is not None


def _many_addresses_guessed(count: int, minutes_ago: float = 0) -> None:
    at = utcnow() - timedelta(minutes=minutes_ago)
    rows = [
        {
            "scope": throttle.WRONG,
            "key": throttle._key("address", f"10.9.{i // 250}.{i % 250}"),
            "at": at,
        }
        for i in range(count)
    ]
    with get_engine().begin() as conn:
        conn.execute(insert(Attempt.__table__), rows)  # type: ignore[attr-defined]


def test_above_the_global_ceiling_each_address_gets_only_a_few_guesses(room) -> None:
    _many_addresses_guessed(throttle.WRONG_CEILING)
    guess("203.0.113.9", throttle.WRONG_UNDER_ATTACK)
    with pytest.raises(TooManyAttempts) as refused:
        join_from("203.0.113.9", WRONG)
    assert refused.value.retry_after <= 60
    # A fresh address with the right code still gets in.
    assert join_from("203.0.113.10", room.join_code).participant.id is not None


def test_old_guesses_no_longer_count_and_are_pruned(room, session) -> None:
    _many_addresses_guessed(throttle.WRONG_CEILING, minutes_ago=90)
    throttle.reset()
    guess("203.0.113.9", throttle.WRONG_PER_ADDRESS)  # the old ceiling counts for nothing
    left = session.exec(select(func.count()).select_from(Attempt)).one()
    assert left == throttle.WRONG_PER_ADDRESS  # the 300 old rows are gone


def test_joins_per_workshop_are_limited(room, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "JOINS_PER_WORKSHOP", 10)
    for i in range(10):
        join_from(f"192.0.2.{i}", room.join_code)
    with pytest.raises(TooManyAttempts) as refused:
        join_from("192.0.2.99", room.join_code)
    assert 1 <= refused.value.retry_after <= 60


def test_joins_per_address_are_limited_across_workshops(
    client: TestClient, make_workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "joins_per_window", lambda: 5)
    codes = [make_workshop().join_code for _ in range(6)]
    for code in codes[:5]:
        assert client.post("/api/v1/join", json={"join_code": code}).status_code == 201
    answer = client.post("/api/v1/join", json={"join_code": codes[5]})
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) >= 1


def test_the_join_form_tells_a_guesser_nothing_through_its_list_of_organizations(
    client: TestClient,
) -> None:
    """The form offers the workshop's own organizations for a code in its address, so the list
    would tell a right code from a wrong one: it is looked up as a join attempt is."""
    created = client.post(
        "/api/v1/workshops",
        json={"title": "Värnamo", "organizations": ["Polisen", "Räddningstjänsten", "Annan"]},
    ).json()
    code = created["join_code"]
    assert "Räddningstjänsten" in client.get(f"/join?code={code}").text  # a scanned QR code
    for _ in range(throttle.WRONG_PER_ADDRESS):
        assert "Räddningstjänsten" not in client.get(f"/join?code={WRONG}").text
    # Those looks were guesses: the address is now held back from joining by a guessed code …
    assert client.post("/api/v1/join", json={"join_code": WRONG}).status_code == 429
    # … and its form no longer says which code is right.
    assert "Räddningstjänsten" not in client.get(f"/j/{code}").text


def test_this_machine_has_no_per_address_limit_but_the_workshop_still_has(
    room, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loopback is the demo, a benchmark, or a local proxy that hides the phones' addresses
    (every phone would share it): no per-address count there; the workshop's still holds."""
    monkeypatch.setattr(throttle, "joins_per_window", lambda: 5)
    monkeypatch.setattr(throttle, "JOINS_PER_WORKSHOP", 8)
    for _ in range(8):
        join_from("127.0.0.1", room.join_code)
    with pytest.raises(TooManyAttempts):
        join_from("::1", room.join_code)
