"""Write or extend a Swedish .po file from a {english: swedish} dict (keeps existing entries).

python scripts/po.py app/i18n/sv/core.po < translations.json
"""

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def main(path: str) -> None:
    target = Path(path)
    if target.exists():
        with target.open("rb") as handle:
            catalog = read_po(handle, locale="sv")
    else:
        catalog = Catalog(locale="sv", project="Kraftsamla", fuzzy=False)
    for english, swedish in json.load(sys.stdin).items():
        catalog.add(english, swedish)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False)


if __name__ == "__main__":
    main(sys.argv[1])
