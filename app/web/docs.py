"""/docs: Swagger UI for the JSON API, from our own static/vendor/ (scripts/vendor.sh pins it),
so it runs under the app's CSP (script-src 'self'): FastAPI's own page loads Swagger from a CDN
and starts it with an inline script, and the CSP blocks both. /openapi.json is the contract."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.web.templating import static_url

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs() -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Kraftsamla – JSON API</title>
  <link rel="stylesheet" href="{static_url("vendor/swagger-ui.css")}">
</head>
<body>
  <div id="swagger-ui" data-openapi="/openapi.json"></div>
  <script src="{static_url("vendor/swagger-ui-bundle.js")}"></script>
  <script src="{static_url("js/docs.js")}"></script>
</body>
</html>
"""
    )
