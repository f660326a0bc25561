"""The JSON API under /api/v1 (DESIGN.md, "JSON API contract"): thin, over the same services."""
