"""The follow-up page: results to read and print, the download, and the upload of an edited list."""

import re
from html import unescape
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from app.db import get_engine
from app.models import Item
from tests.unit.test_export import add, seed
from tests.web.conftest import csrf_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_page(client: TestClient, w, lang: str = "sv"):
    page = client.get(
        f"/w/{w.slug}/followup?key={w.followup_token}", headers={"Accept-Language": lang}
    )
    assert page.status_code == 200
    return page


def test_the_follow_up_link_opens_the_ranked_results(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    page = open_page(client, w)
    assert "key=" not in str(page.url)  # the secret left the address bar
    html = page.text
    assert "Tryggare Värnamo" in html and "Åtgärder i prioritetsordning" in html
    # ranked: the prioritised action first, with its owner, date and translated status
    first = html.index("Fler fältassistenter kvällstid")
    assert first < html.index("=HYPERLINK(&#34;http://evil.example&#34;")
    row = re.search(rf'<tr id="action-{ids.action}">(.*?)</tr>', html, re.S)
    assert row
    for shown in ("Kommunen", "Anna Berg", "31 mars 2027", "Planerad", "4,5", "2,0"):
        assert shown in row.group(1)
    # the chain from situation to cause to action
    chain = re.search(rf'<li id="chain-{ids.action}".*?</ul>\s*</li>\s*</ul>', html, re.S)
    assert chain
    for text in ("Unga saknar sysselsättning", "Dålig belysning", "Öppen droghandel vid"):
        assert text in chain.group(0)
    # the matrix puts the highly rated, cheap action among the quick wins
    quick = re.search(r'matrix-group-quick">(.*?)</div>', html, re.S)
    assert quick and "Fler fältassistenter kvällstid" in quick.group(1)
    assert "<svg" in html and "Dold åtgärd" not in html and "Sammanslagen dubblett" not in html
    assert "/static/css/followup.css" in html


def test_user_text_on_the_page_is_escaped(client: TestClient, session, make_workshop) -> None:
    w = make_workshop(participants=2)
    add(session, w, "action", "<script>alert(1)</script>")
    session.commit()
    html = open_page(client, w).text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_the_facilitators_cookie_opens_it_but_other_keys_do_not(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1)
    assert client.get(f"/w/{w.slug}/followup").status_code == 401
    assert client.get(f"/w/{w.slug}/followup?key={w.board_token}").status_code == 403
    client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}")
    page = client.get(f"/w/{w.slug}/followup")
    assert page.status_code == 200
    assert f'href="/w/{w.slug}/facilitate"' in page.text  # a way back for the facilitator


def test_the_download_button_gives_the_workbook(client: TestClient, session, make_workshop) -> None:
    w = make_workshop(participants=2)
    seed(session, w)
    html = open_page(client, w).text
    href = re.search(r'href="([^"]+\.xlsx)" download', html)
    assert href
    response = client.get(href.group(1))
    assert response.status_code == 200 and response.headers["content-type"].startswith(XLSX)
    assert "Åtgärder" in load_workbook(BytesIO(response.content)).sheetnames
    archive = client.get(re.search(r'href="([^"]+\.json)" download', html).group(1))
    assert archive.json()["format"] == "kraftsamla-archive"


def edited_export(client: TestClient, w, status: str) -> bytes:
    wb = load_workbook(BytesIO(client.get(f"/w/{w.slug}/followup/export.xlsx").content))
    ws = wb.worksheets[0]
    status_col = [c.value for c in ws[1]].index("Status") + 1
    ws.cell(row=2, column=status_col).value = status
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload_with_status(client: TestClient, w, status: str):
    """The follow-up owner edits the status cell of the export and uploads it on the page."""
    page = open_page(client, w)
    return client.post(
        f"/w/{w.slug}/followup/import",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("atgarder.xlsx", edited_export(client, w, status), XLSX)},
    )


def planned_of(html: str) -> str:
    found = re.search(r'name="planned" value="([^"]*)"', html)
    assert found, "the preview has no confirm form"
    return unescape(found.group(1))


def status_of(item_id: int) -> str:
    with Session(get_engine()) as s:
        item = s.get(Item, item_id)
        assert item is not None
        return item.status


def test_an_upload_shows_a_preview_and_changes_only_when_confirmed(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    response = upload_with_status(client, w, "Klar")
    assert response.status_code == 200
    assert "Förhandsgranskning – det här ändras om du läser in filen" in response.text
    assert re.search(r"<del>Planerad</del> → <ins>Klar</ins>", response.text)
    assert status_of(ids.action) == "planned"  # a preview writes nothing
    confirmed = client.post(
        f"/w/{w.slug}/followup/import/confirm",
        data={"csrf_token": csrf_of(response.text), "planned": planned_of(response.text)},
    )
    assert confirmed.status_code == 200
    assert "Ändringarna lästes in: 1 åtgärd ändrades." in confirmed.text
    assert status_of(ids.action) == "done"
    # The action's history on the page says it came from the Excel file.
    detail = re.search(
        rf'<tr class="fu-detail" id="detail-{ids.action}">(.*?)</tr>', confirmed.text, re.S
    )
    assert detail and "inläsning av Excel-fil" in detail.group(1)


def test_a_preview_confirmed_after_someone_changed_the_action_changes_nothing(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    preview = upload_with_status(client, w, "Klar")
    patched = client.patch(
        f"/api/v1/items/{ids.action}", json={"status": "in_progress"}, headers=w.followup
    )
    assert patched.status_code == 200
    confirmed = client.post(
        f"/w/{w.slug}/followup/import/confirm",
        data={"csrf_token": csrf_of(preview.text), "planned": planned_of(preview.text)},
    )
    assert confirmed.status_code == 409
    assert "Åtgärderna har ändrats efter förhandsgranskningen" in confirmed.text
    assert status_of(ids.action) == "in_progress"


@pytest.mark.parametrize("planned", ["", "[]", "nonsense", '[[1, "text", "a", "b"]]'])
def test_a_confirm_that_is_not_a_preview_is_refused(
    client: TestClient, session, make_workshop, planned: str
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    page = open_page(client, w)
    response = client.post(
        f"/w/{w.slug}/followup/import/confirm",
        data={"csrf_token": csrf_of(page.text), "planned": planned},
    )
    assert response.status_code == 422
    assert status_of(ids.action) == "planned"


def test_a_bad_upload_says_where_and_changes_nothing(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    response = upload_with_status(client, w, "Kanske")
    assert response.status_code == 422
    assert "Ingenting ändrades." in response.text
    assert "Rad 2, kolumn L (Status): okänd status ”Kanske”" in response.text
    with Session(get_engine()) as s:
        assert s.get(Item, ids.action).status == "planned"


def test_an_upload_without_the_csrf_token_is_refused(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    open_page(client, w)
    response = client.post(
        f"/w/{w.slug}/followup/import",
        files={"file": ("atgarder.xlsx", edited_export(client, w, "Klar"), XLSX)},
    )
    assert response.status_code == 403
    with Session(get_engine()) as s:
        assert s.get(Item, ids.action).status == "planned"


def test_the_page_prints_on_a4() -> None:
    from app.config import ROOT

    css = (ROOT / "static/css/followup.css").read_text()
    printed = css[css.index("@media print") :]
    assert "size: A4" in printed and ".fu-tools" in printed
