"""Files in and out, for both faces: downloads (never cached, like every answer but a static file:
app/security.py), uploads read up to a limit."""

from fastapi import UploadFile
from fastapi.responses import Response

from app.config import get_settings


def download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def read_upload(file: UploadFile | None) -> bytes:
    """At most one byte over the limit: enough for the service to refuse it."""
    if file is None:
        return b""
    return file.file.read(get_settings().max_upload_bytes + 1)
