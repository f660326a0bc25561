"""Numbers as people type them, for both faces and the services: one strict parser.

Python's `str.isdigit()` says yes to "²" and "٣", and `int()` refuses a number of more than
4,300 digits with a ValueError: both used to end in a 500. A row id is a 32-bit integer in
PostgreSQL (SQLite takes 64 bits): a larger number names no row, so no id ever leaves this range.
"""

import re

MAX_ID = 2**31 - 1

_WHOLE = re.compile(r"[+-]?[0-9]{1,10}")  # ASCII digits only: "²" and "٣" are not numbers here


def whole_number(raw: str | None) -> int | None:
    """A whole number between -MAX_ID and MAX_ID as written (spaces around allowed), else None."""
    text = (raw or "").strip()
    if not _WHOLE.fullmatch(text):
        return None
    number = int(text)
    return number if -MAX_ID <= number <= MAX_ID else None
