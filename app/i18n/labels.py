"""Labels of stored values that people read: one place for the pages, the workbook and the
re-import (which maps a typed label back)."""

from app.i18n import translate
from app.models import Status


def _(message: str) -> str:
    """Marks a message id for extraction; translated where it is shown."""
    return message


STATUS_LABELS: dict[str, str] = {
    Status.proposed: _("Proposed"),
    Status.planned: _("Planned"),
    Status.in_progress: _("In progress"),
    Status.done: _("Done"),
    Status.dropped: _("Dropped"),
}


def status_label(lang: str, status: str) -> str:
    return translate(lang, STATUS_LABELS.get(status, status))
