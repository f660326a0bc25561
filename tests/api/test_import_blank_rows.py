"""A workbook of blank rows costs no more than the row limit: blank rows used to be skipped one
by one without counting (an 88 kB file took 19 s of CPU; here 38 kB of half a million blank rows
took 8 s), and openpyxl reads a sheet without <dimension> to its end just to open it."""

import re
import time
import zipfile
from io import BytesIO

import pytest
from fastapi.testclient import TestClient

from app.services import importer
from tests.api.test_import import exported, import_events, saved, upload
from tests.unit.test_export import seed

BLANK_ROWS = 500_000


def with_blank_rows(workbook: bytes, count: int, dimension: bool = False) -> bytes:
    """The same workbook with `count` styled blank rows after the action plan's rows; with
    `dimension`, the sheet says it is that long, else it says nothing."""
    source = zipfile.ZipFile(BytesIO(workbook))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                # Rows without numbers follow the last one: they compress to almost nothing.
                blank = '<row><c s="0"/></row>' * count
                size = f'<dimension ref="A1:Q{count + 10}"/>' if dimension else ""
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', size, text)
                data = text.replace("</sheetData>", blank + "</sheetData>").encode()
            target.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("dimension", [False, True])
def test_a_workbook_of_blank_rows_is_refused_fast_naming_the_limit(
    client: TestClient, session, make_workshop, dimension: bool
) -> None:
    w = make_workshop(participants=2, language="en")
    seed(session, w)
    content = with_blank_rows(saved(exported(client, w)), BLANK_ROWS, dimension)
    assert len(content) < 100_000  # small on the wire, like the 88 kB one
    started = time.process_time()
    response = upload(client, w, content)
    spent = time.process_time() - started
    assert response.status_code == 422
    problem = response.json()["detail"][0]
    assert problem["loc"] == ["body", "file"]
    assert str(importer.MAX_ROWS) in problem["msg"] and "rows" in problem["msg"]
    assert spent < 2.0, f"{spent:.1f} s of CPU"
    assert import_events(w.id) == []


@pytest.mark.parametrize("blank", [10, 5000])
def test_a_few_trailing_blank_rows_are_still_fine(
    client: TestClient, session, make_workshop, blank: int
) -> None:
    w = make_workshop(participants=2, language="en")
    seed(session, w)
    content = with_blank_rows(saved(exported(client, w)), blank)
    response = upload(client, w, content)
    assert response.status_code == 200, response.text
