"""Clients that answer a server error as a 500 instead of raising it into the test, and a
browser's sign-in to a workshop's pages (role cookie and CSRF token)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of


@pytest.fixture
def client() -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def sign_in(client: TestClient, slug: str, page: str, token: str) -> str:
    """Open a page with its secret link as a browser would; the page's CSRF token."""
    answer = client.get(f"/w/{slug}/{page}?key={token}")
    assert answer.status_code == 200, answer.text
    return csrf_of(answer.text)
