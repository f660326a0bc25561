"""Nobody without a key or cookie of a workshop learns its join code: not from a page, not from a
redirect, not from an error page. Walks every /w/<slug>/… route in the app's own route table, so a
new page cannot be forgotten."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from app.main import create_app
from app.services import uow, voting
from app.services.items import add_item
from app.services.workshops import format_code
from tests.conftest import MadeWorkshop


def workshop_routes() -> Iterator[tuple[str, str]]:
    """(method, path) of every route under /w/{slug}/, from the app's route table."""
    for route in create_app().routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for context in contexts() if contexts else []:
            if context.path.startswith("/w/{slug}"):
                for method in sorted(context.methods):
                    yield method, context.path


ROUTES = sorted(set(workshop_routes()))


def test_the_route_walk_sees_the_workshop_pages() -> None:
    paths = {path for _, path in ROUTES}
    assert {"/w/{slug}/p", "/w/{slug}/facilitate", "/w/{slug}/board", "/w/{slug}/followup"} <= paths
    assert len(ROUTES) > 20


def _leaks(response: Response, code: str) -> list[str]:
    shown = [code, format_code(code)]
    found = []
    for name, value in response.headers.items():
        if any(c in value for c in shown):
            found.append(f"header {name}: {value}")
    if any(c in response.text for c in shown):
        found.append("body")
    return found


def _follow(client: TestClient, method: str, url: str, code: str) -> list[str]:
    """Every answer along the redirects, checked for the code."""
    leaks: list[str] = []
    response = client.request(method, url, follow_redirects=False)
    for _ in range(5):
        leaks += [
            f"{method} {url} → {response.status_code}: {leak}" for leak in _leaks(response, code)
        ]
        location = response.headers.get("location")
        if response.status_code not in (301, 302, 303, 307, 308) or not location:
            break
        url, method = location, "GET"
        response = client.get(url, follow_redirects=False)
    return leaks


@pytest.fixture
def two(make_workshop: type) -> tuple[MadeWorkshop, MadeWorkshop, int]:
    a = make_workshop(participants=1, stage="causes")
    b = make_workshop(participants=1, stage="causes")
    view, _ = uow.run(
        add_item, a.participants[0].principal(a.id), a.id, "cause", a.area(), "En orsak"
    )
    uow.run(voting.set_voting, a.facilitator_principal, a.id, "cause", "open")
    return a, b, view.id


def _strangers(a: MadeWorkshop, b: MadeWorkshop) -> dict[str, dict[str, str]]:
    """Cookies someone without a key of workshop A might hold."""
    b_tokens = {
        "facilitator": b.facilitator_token,
        "board": b.board_token,
        "followup": b.followup_token,
        "participant": b.participants[0].token,
    }
    return {
        "no cookie": {},
        "garbage cookies": {f"ks_{a.id}_{role}": "x" * 43 for role in b_tokens},
        # B's tokens under B's cookie names, and under A's (a forged cookie name).
        "cookies of another workshop": {f"ks_{b.id}_{r}": t for r, t in b_tokens.items()},
        "another workshop's tokens as A's": {f"ks_{a.id}_{r}": t for r, t in b_tokens.items()},
    }


def test_no_route_of_a_workshop_shows_its_code_to_a_stranger(
    two: tuple[MadeWorkshop, MadeWorkshop, int],
) -> None:
    a, b, item_id = two
    leaks: list[str] = []
    with TestClient(create_app()) as client:
        for label, cookies in _strangers(a, b).items():
            for method, template in ROUTES:
                if template.endswith("/stream"):
                    continue  # checked below without holding a stream open
                path = template.replace("{slug}", a.slug).replace("{item_id}", str(item_id))
                queries = ["", "?key=" + "x" * 43, "?key=" + b.facilitator_token]
                for query in queries if method == "GET" else [""]:
                    client.cookies.clear()
                    for name, value in cookies.items():
                        client.cookies.set(name, value)
                    found = _follow(client, method, path + query, a.join_code)
                    leaks += [f"[{label}] {leak}" for leak in found]
    assert leaks == []


def test_a_phone_without_its_cookie_is_sent_to_the_empty_join_form(
    client: TestClient, two: tuple[MadeWorkshop, MadeWorkshop, int]
) -> None:
    a, _, _ = two
    response = client.get(a.page("p"), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/join"
    form = client.get("/join").text
    assert re.search(r'name="join_code"[^>]*value=""', form) or 'value=""' in form
    assert a.join_code not in form


def test_the_stream_refuses_a_stranger_without_the_code(
    client: TestClient, two: tuple[MadeWorkshop, MadeWorkshop, int]
) -> None:
    a, b, _ = two
    client.cookies.set(f"ks_{b.id}_facilitator", b.facilitator_token)
    response = client.get(a.page("stream"))
    assert response.status_code in (401, 403, 404)
    assert not _leaks(response, a.join_code)


def test_slugs_cannot_be_counted(make_workshop: type) -> None:
    slugs = [make_workshop().slug for _ in range(3)]
    for slug in slugs:
        # ≥ 64 bits of randomness, not a row id
        assert not slug.isdigit()
        assert len(slug) >= 11
    assert len(set(slugs)) == 3


def test_a_guessed_slug_is_the_same_404_as_a_real_one_without_a_cookie(
    client: TestClient, two: tuple[MadeWorkshop, MadeWorkshop, int]
) -> None:
    a, _, _ = two
    real = client.get(a.page("board"), follow_redirects=False)
    guessed = client.get("/w/AAAAAAAAAAAAAAAA/board", follow_redirects=False)
    assert real.status_code in (401, 404)
    assert guessed.status_code == 404
    assert not _leaks(real, a.join_code)


def test_the_check_sees_the_code_where_it_belongs(
    client: TestClient, two: tuple[MadeWorkshop, MadeWorkshop, int]
) -> None:
    """The control: with the workshop's own key the board shows its code, and the check sees it."""
    a, _, _ = two
    assert _follow(client, "GET", a.page("board") + "?key=" + a.board_token, a.join_code)
