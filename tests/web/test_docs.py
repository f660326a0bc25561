"""/docs works under the app's own CSP: Swagger UI from static/vendor/, started by a file of its
own, nothing from elsewhere, no inline script."""

import re

from fastapi.testclient import TestClient

from app.security import CSP


def test_docs_reference_only_our_own_static_files(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"] == CSP
    addresses = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert addresses and all(a.startswith("/static/") for a in addresses), addresses
    for address in addresses:
        assert client.get(address).status_code == 200, address
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert len(scripts) == 2
    assert all('src="' in attributes and body.strip() == "" for attributes, body in scripts)
    assert "style=" not in page.text and "<style" not in page.text


def test_the_contract_is_served_and_redoc_from_a_cdn_is_gone(client: TestClient) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "Kraftsamla"
    assert client.get("/redoc").status_code == 404
