"""/docs in a real browser: Swagger UI draws the API's operations and the CSP refuses nothing."""

from playwright.sync_api import Page

from tests.e2e.conftest import OpenPage


def test_docs_draw_the_api_with_no_csp_violation(open_page: OpenPage) -> None:
    page: Page = open_page("laptop")
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda e: refused.append(str(e)))
    page.goto("/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 20
    assert refused == []
    assert all(url.startswith(page.url.split("/docs")[0]) for url in page._ks_requests)  # type: ignore[attr-defined]
