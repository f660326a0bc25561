"""Failed-attempt limits (guessing join codes). In memory per worker: a guard against scripted
guessing, not an accounting system; the code space (30^6) does the rest."""

import time
from collections import defaultdict, deque

from app.services.errors import TooManyAttempts

WINDOW_S = 60.0
MAX_FAILURES = 30

_failures: dict[str, deque[float]] = defaultdict(deque)


def check(key: str, now: float | None = None) -> None:
    now = time.monotonic() if now is None else now
    recent = _failures[key]
    while recent and now - recent[0] > WINDOW_S:
        recent.popleft()
    if len(recent) >= MAX_FAILURES:
        raise TooManyAttempts("Too many wrong codes. Wait a minute and try again.")


def failed(key: str, now: float | None = None) -> None:
    _failures[key].append(time.monotonic() if now is None else now)


def reset() -> None:
    _failures.clear()
