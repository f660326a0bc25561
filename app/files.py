"""Files in and out, for both faces: downloads that are never cached, uploads read up to a limit."""

from fastapi import UploadFile
from fastapi.responses import Response

from app.config import get_settings


def download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def read_upload(file: UploadFile | None) -> bytes:
    """At most one byte over the limit: enough for the service to refuse it."""
    if file is None:
        return b""
    return file.file.read(get_settings().max_upload_bytes + 1)
