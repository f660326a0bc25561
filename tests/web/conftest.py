"""Helpers for driving the HTML pages like a browser: CSRF token from the page, cookies kept."""

import re

import pytest
from fastapi.testclient import TestClient

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


@pytest.fixture
def browser_client(client: TestClient) -> TestClient:
    """The TestClient with a base URL like a phone's, so cookies and Origin behave."""
    return client
