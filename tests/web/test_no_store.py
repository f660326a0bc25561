"""Nothing with notes, codes or secret links is kept by a browser's cache or a proxy: every answer
but a static file says `Cache-Control: no-store`. Walks every GET route of the app's own route
table, so a new page or export cannot be forgotten."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services import uow
from app.services.items import add_item
from tests.conftest import MadeWorkshop


def get_routes() -> Iterator[str]:
    for route in create_app().routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is None:
            if "GET" in (getattr(route, "methods", None) or ()):
                yield route.path  # type: ignore[attr-defined]
            continue
        for context in contexts():
            if "GET" in context.methods:
                yield context.path


QUERIES = {
    "/api/v1/workshops/{workshop_id}/ranking": "?kind=cause",
    "/api/v1/workshops/{workshop_id}/breakdown": "?kind=cause",
}
STREAMS = ("/w/{slug}/stream", "/api/v1/workshops/{workshop_id}/events")  # never end: below
ROUTES = sorted(set(get_routes()) - set(STREAMS))


@pytest.fixture
def workshop(make_workshop: type) -> tuple[MadeWorkshop, int]:
    made = make_workshop(participants=1, stage="causes")
    view, _ = uow.run(
        add_item, made.participants[0].principal(made.id), made.id, "cause", made.area(), "Orsak"
    )
    return made, view.id


def test_the_walk_covers_the_pages_and_exports_that_hold_secrets() -> None:
    for path in (
        "/w/{slug}/facilitate",
        "/w/{slug}/facilitate/links",
        "/w/{slug}/board",
        "/w/{slug}/p",
        "/w/{slug}/followup",
        "/w/{slug}/followup/export.json",
        "/w/{slug}/followup/export.xlsx",
        "/api/v1/workshops/{workshop_id}/export.json",
        "/api/v1/workshops/{workshop_id}/export.xlsx",
    ):
        assert path in ROUTES


@pytest.mark.parametrize("template", ROUTES)
def test_every_answer_but_a_static_file_is_no_store(
    client: TestClient, workshop: tuple[MadeWorkshop, int], template: str
) -> None:
    made, item_id = workshop
    path = (
        template.replace("{slug}", made.slug)
        .replace("{workshop_id}", str(made.id))
        .replace("{item_id}", str(item_id))
        .replace("{code}", made.join_code if template.startswith("/j/") else "en")
    ) + QUERIES.get(template, "")
    page = path.rsplit("/", 1)[-1]
    role = "participant" if path.endswith("/p") else "facilitator"
    token = made.participants[0].token if role == "participant" else made.facilitator_token
    client.cookies.set(f"ks_{made.id}_{role}", token)
    response = client.get(path, headers=made.facilitator, follow_redirects=False)
    assert response.status_code < 400 or page == "edit", (path, response.status_code)
    assert response.headers["cache-control"] == "no-store", path


def test_an_error_page_is_no_store_too(client: TestClient) -> None:
    assert client.get("/w/nothing-here/board").headers["cache-control"] == "no-store"


def test_static_files_stay_cacheable(client: TestClient) -> None:
    response = client.get("/static/vendor/htmx.min.js?v=1")
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
