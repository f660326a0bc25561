"""Domain errors. Both faces map them to HTTP codes and translated messages in one place
(app/api/errors.py for JSON, app/web/errors.py for pages).

`message` is an English msgid of the sv/en catalog, with %(name)s placeholders filled from `params`.
"""

from typing import Any


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = params


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class NotAllowedNow(DomainError):
    """The rules forbid this at the moment: wrong stage, voting closed, budget spent."""

    status_code = 409


class BudgetSpent(NotAllowedNow):
    pass


class Invalid(DomainError):
    """Bad input; `field` names what to fix."""

    status_code = 422


class TooLarge(DomainError):
    status_code = 413


class TooManyAttempts(DomainError):
    """A limit was reached: nothing was done; try again in `retry_after` seconds."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int = 60, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Stale(NotAllowedNow):
    """The change was made against an older state (a stale version or stage): nothing changed.
    `current` is what the caller should look at now (e.g. the note as it is)."""

    def __init__(self, message: str, *, current: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.current = current


class Busy(DomainError):
    """Too much at once: the change was not made; try again in `retry_after` seconds."""

    status_code = 503
    retry_after = 2
