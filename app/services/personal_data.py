"""Does a note look like it holds personal data? The one rule that decides which notes are held
back for the facilitator's review (Item.held) before the room sees them.

A note is held when its text contains any of:

- a Swedish **personnummer** or **samordningsnummer** in one of the forms people write:
  YYMMDD-NNNN, YYMMDD+NNNN (100 years or older), YYYYMMDDNNNN or YYYYMMDD-NNNN. The date must be
  a real date (for a samordningsnummer the day is the birth day + 60) and the last digit must be
  the Luhn check digit of the nine digits YYMMDDNNN before it (Skatteverket's rule). Ten digits
  with no separator (YYMMDDNNNN) are not taken as a personnummer: that is how phone numbers look;
  the phone rule below catches those that are.
- a **Swedish phone number**: a leading 0 (or +46 / 0046, optionally followed by "(0)") and 7 to
  9 more digits, which people group with spaces or dashes: 070-123 45 67, +46 70 123 45 67,
  08-123 456 78, 0470-123 45.
- an **e-mail address**: name@domain.tld.

Years ("2023"), amounts ("1 500 kr"), laws ("2023:196") and dates ("2023-05-01") do not match:
none starts with a 0 and has the length of a phone number, or has a valid check digit after a
real date. A false alarm costs one click (the facilitator releases the note); a miss puts
someone's personnummer on a projector — so the rule leans towards holding.
"""

import re
from datetime import date

PERSONNUMMER = "personnummer"
PHONE = "phone"
EMAIL = "email"

# YYMMDD-NNNN, YYMMDD+NNNN, YYYYMMDDNNNN, YYYYMMDD-NNNN; not inside a longer run of digits.
_ID = re.compile(
    r"(?<![\d+-])(?:(?P<century>\d{2})(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})-?"
    r"|(?P<yy2>\d{2})(?P<mm2>\d{2})(?P<dd2>\d{2})(?P<sep>[-+]))"
    r"(?P<serial>\d{3})(?P<check>\d)(?!\d)"
)
# A leading 0 or +46/0046 (optionally "(0)"), then a non-zero digit and 6 to 8 more, each digit
# optionally after one space or dash.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)46[\s-]?(?:\(0\)[\s-]?|0[\s-]?)?|0[\s-]?)[1-9](?:[\s-]?\d){6,8}(?!\d)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")


def luhn_ok(digits: str) -> bool:
    """The Luhn check over a run of digits, the last being the check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _birth_date_ok(century: int | None, yy: int, month: int, day: int) -> bool:
    """A real date; a samordningsnummer's day is the birth day + 60. Without a century either
    century will do (29 February needs a leap year in one of them)."""
    if day > 60:
        day -= 60
    if century is not None:
        return 1800 <= century * 100 + yy <= date.today().year and _real_date(
            century * 100 + yy, month, day
        )
    return any(_real_date(c * 100 + yy, month, day) for c in (19, 20))


def has_personnummer(text: str) -> bool:
    """A personnummer or samordningsnummer with a real date and a valid check digit."""
    for match in _ID.finditer(text):
        parts = match.groupdict()
        if parts["yy"] is not None:
            century: int | None = int(parts["century"])
            yy, mm, dd = parts["yy"], parts["mm"], parts["dd"]
        else:
            century, yy, mm, dd = None, parts["yy2"], parts["mm2"], parts["dd2"]
        if not _birth_date_ok(century, int(yy), int(mm), int(dd)):
            continue
        if luhn_ok(f"{yy}{mm}{dd}{parts['serial']}{parts['check']}"):
            return True
    return False


def has_phone_number(text: str) -> bool:
    return _PHONE.search(text) is not None


def has_email(text: str) -> bool:
    return _EMAIL.search(text) is not None


def findings(text: str) -> list[str]:
    """What kinds of personal data the text seems to hold (empty: none)."""
    found = []
    if has_personnummer(text):
        found.append(PERSONNUMMER)
    if has_phone_number(text):
        found.append(PHONE)
    if has_email(text):
        found.append(EMAIL)
    return found


def looks_personal(text: str) -> bool:
    """Hold this note back until the facilitator has looked at it."""
    return bool(findings(text))
