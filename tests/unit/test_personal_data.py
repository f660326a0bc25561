"""The rule that holds notes back: personnummer and samordningsnummer (with their check digit),
Swedish phone numbers and e-mail addresses — and what must not be taken for them."""

import pytest

from app.services.personal_data import (
    EMAIL,
    PERSONNUMMER,
    PHONE,
    findings,
    has_email,
    has_personnummer,
    has_phone_number,
    looks_personal,
    luhn_ok,
)


def check_digit(nine: str) -> str:
    """Skatteverket's rule, written out independently of the module: digits weighted 2,1,2,1…,
    products' digits summed, the check digit brings the sum to a multiple of ten."""
    total = 0
    for i, char in enumerate(nine):
        product = int(char) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def test_the_check_digit_rule_on_skatteverkets_examples() -> None:
    assert check_digit("811218987") == "6"
    assert luhn_ok("8112189876")
    assert not luhn_ok("8112189875")
    assert check_digit("701063239") == "1"  # a samordningsnummer: day 03 + 60
    assert luhn_ok("7010632391")


@pytest.mark.parametrize(
    "text",
    [
        "811218-9876",
        "Han heter Kalle, 811218-9876, bor på Storgatan",
        "19811218-9876",
        "198112189876",
        "121212+1212",  # "+": a hundred years or older
        "701063-2391",  # samordningsnummer
        "19701063-2391",
        f"000229-{'123'}{check_digit('000229123')}",  # 29 February 2000
        f"20000229{'123'}{check_digit('000229123')}",
    ],
)
def test_a_personnummer_with_a_valid_check_digit_is_found(text: str) -> None:
    assert has_personnummer(text)
    assert PERSONNUMMER in findings(text)
    assert looks_personal(text)


@pytest.mark.parametrize(
    "text",
    [
        "811218-9875",  # wrong check digit
        "19811218-9875",
        "701063-2392",
        f"850230-123{check_digit('850230123')}",  # 30 February
        f"851301-123{check_digit('851301123')}",  # month 13
        f"851200-123{check_digit('851200123')}",  # day 0
        f"850192-123{check_digit('850192123')}",  # day 92: not even a samordningsnummer
        f"21000101-123{check_digit('000101123')}",  # born in the future
        f"19010229-123{check_digit('010229123')}",  # 1901 was not a leap year
        "8112189876-1",  # part of a longer number
        "98112189876",
    ],
)
def test_an_invalid_date_or_check_digit_is_no_personnummer(text: str) -> None:
    assert not has_personnummer(text)


def test_a_valid_date_with_any_check_digit_but_one_is_refused() -> None:
    right = check_digit("811218987")
    for digit in "0123456789":
        assert has_personnummer(f"811218-987{digit}") is (digit == right)


@pytest.mark.parametrize(
    "text",
    [
        "070-123 45 67",
        "ring 0701234567 efter fem",
        "+46 70 123 45 67",
        "+46701234567",
        "0046 70 123 45 67",
        "+46 (0)70-123 45 67",
        "08-123 456 78",
        "0470-123 45",
        "031-12 34 56",
    ],
)
def test_swedish_phone_numbers_are_found(text: str) -> None:
    assert has_phone_number(text)
    assert PHONE in findings(text)


@pytest.mark.parametrize(
    "text",
    [
        "Det hände 2023",
        "Kostar 1 500 kr i månaden",
        "100 000 kr till föreningen",
        "Enligt lag 2023:196 ska kommunen",
        "Mötet 2023-05-01 kl 18",
        "kl 08-10 varje morgon",
        "ring 112",
        "Buss 170, hållplats 12",
        "30 % fler anmälningar",
        "Områdena 1, 2 och 3",
        "Sedan 1990-talet",
    ],
)
def test_years_amounts_laws_and_dates_are_not_personal_data(text: str) -> None:
    assert findings(text) == []
    assert not looks_personal(text)


@pytest.mark.parametrize(
    "text", ["kalle.svensson@varnamo.se", "skriv till info@polisen.se", "a+b@x-y.example.org"]
)
def test_email_addresses_are_found(text: str) -> None:
    assert has_email(text)
    assert EMAIL in findings(text)


@pytest.mark.parametrize("text", ["@polisen", "a@b", "träffas @ skolan", "mejla kommunen"])
def test_things_that_only_look_a_little_like_email_are_not(text: str) -> None:
    assert not has_email(text)


def test_several_kinds_in_one_note_are_all_named() -> None:
    text = "Kalle 811218-9876, 070-123 45 67, kalle@example.se"
    assert findings(text) == [PERSONNUMMER, PHONE, EMAIL]
