"""The action list in Excel, read back after editing, and a JSON archive of the whole workshop."""

from typing import Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from app.api.deps import CallerDep
from app.db import reading
from app.deps import WorkshopId
from app.errors import domain_error_body
from app.files import download, read_upload
from app.services import archive, audit, export, importer, uow, workshops
from app.services.importer import ImportRejected, ImportResult

router = APIRouter(prefix="/api/v1", tags=["export"])


def import_answer(result: ImportResult) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return value.isoformat() if hasattr(value, "isoformat") else value

    return {
        "dry_run": result.dry_run,
        "rows": result.rows,
        "unchanged": result.unchanged,
        "item_ids": result.item_ids,
        "changed": [
            {
                "sheet": change.sheet,
                "row": change.row,
                "id": change.item_id,
                "text": change.text,
                "changes": [
                    {"field": f.field, "before": plain(f.before), "after": plain(f.after)}
                    for f in change.changes
                ],
            }
            for change in result.changed
        ],
    }


def rejected_answer(request: Request, exc: ImportRejected) -> JSONResponse:
    """Every problem in the file, each with its sheet, row and column."""
    detail = []
    for problem in exc.problems:
        entry = domain_error_body(request, problem)["detail"][0]
        entry.update(
            {k: problem.params[k] for k in ("sheet", "row", "column") if k in problem.params}
        )
        detail.append(entry)
    return JSONResponse({"detail": detail}, status_code=exc.status_code)


@router.get("/workshops/{workshop_id}/export.xlsx", response_class=Response)
def export_xlsx(workshop_id: WorkshopId, principal: CallerDep) -> Response:
    with reading() as session:
        content = export.export_xlsx(session, principal, workshop_id)
        workshop = workshops.get_workshop(session, workshop_id)
    uow.run(audit.record_export, principal, workshop_id, "xlsx")
    return download(content, export.XLSX_TYPE, export.file_name(workshop, "xlsx"))


@router.get("/workshops/{workshop_id}/export.json")
def export_json(workshop_id: WorkshopId, principal: CallerDep) -> Response:
    with reading() as session:
        data = archive.archive(session, principal, workshop_id)
        workshop = workshops.get_workshop(session, workshop_id)
    uow.run(audit.record_export, principal, workshop_id, "json")
    response = JSONResponse(data)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export.file_name(workshop, "json")}"'
    )
    return response


@router.post("/workshops/{workshop_id}/import.xlsx")
def import_xlsx(
    workshop_id: WorkshopId,
    request: Request,
    principal: CallerDep,
    file: UploadFile | None = File(default=None),
    dry_run: bool = Query(
        default=False, description="Answer what would change, row by row, and write nothing."
    ),
) -> Any:
    try:
        result = importer.import_actions(principal, workshop_id, read_upload(file), dry_run)
    except ImportRejected as exc:
        return rejected_answer(request, exc)
    return import_answer(result)
