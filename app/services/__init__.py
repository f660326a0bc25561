"""The rules of Kraftsamla. The HTML pages and the JSON API are thin faces over these modules."""
