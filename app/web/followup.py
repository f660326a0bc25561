"""The follow-up page: read-only results on an office PC, the Excel download, and the upload of
an edited action list. The follow-up link opens it; so does the facilitator's cookie."""

from typing import Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.db import reading
from app.files import download, read_upload
from app.services import archive, export, importer, workshops
from app.services.auth import Principal
from app.services.errors import DomainError
from app.services.importer import ImportRejected, ImportResult
from app.web.common import check_csrf, language, render
from app.web.deps import FollowupPage

router = APIRouter(prefix="/w/{slug}/followup", dependencies=[Depends(check_csrf)])


def _page(
    request: Request, principal: Principal, status_code: int = 200, **context: Any
) -> Response:
    with reading() as session:
        data = export.results(session, principal, principal.workshop_id)
    return render(
        request,
        "followup.html",
        lang=language(request, data.workshop),
        status_code=status_code,
        r=data,
        points=data.matrix_points(),
        is_facilitator=principal.is_facilitator,
        **context,
    )


@router.get("")
def followup_page(request: Request, principal: FollowupPage) -> Response:
    return _page(request, principal)


@router.get("/export.xlsx")
def download_xlsx(principal: FollowupPage) -> Response:
    with reading() as session:
        content = export.export_xlsx(session, principal, principal.workshop_id)
        name = export.file_name(workshops.get_workshop(session, principal.workshop_id), "xlsx")
    return download(content, export.XLSX_TYPE, name)


@router.get("/export.json")
def download_json(principal: FollowupPage) -> Response:
    with reading() as session:
        data = archive.archive(session, principal, principal.workshop_id)
        name = export.file_name(workshops.get_workshop(session, principal.workshop_id), "json")
    response = JSONResponse(data)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _import(request: Request, principal: Principal, data: bytes, file_name: str | None) -> Response:
    result: ImportResult | None = None
    problems: list[DomainError] = []
    try:
        result = importer.import_actions(principal, principal.workshop_id, data)
    except ImportRejected as exc:
        problems = list(exc.problems)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        problems = [exc]
    status = problems[0].status_code if problems else 200
    return _page(
        request,
        principal,
        status_code=status,
        imported=result,
        problems=problems,
        file_name=file_name,
    )


@router.post("/import")
async def upload(
    request: Request, principal: FollowupPage, file: UploadFile | None = File(default=None)
) -> Response:
    data = await run_in_threadpool(read_upload, file)
    name = file.filename if file is not None else None
    return await run_in_threadpool(_import, request, principal, data, name)
