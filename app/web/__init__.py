"""The HTML face: full pages and the HTMX fragments cut from them; every rule is in services."""
