"""The baseline for bench/live.py: a bare FastAPI app with one `async def` route, no middleware,
no database. What one uvicorn worker on this machine can answer at best; the app's vote figure is
read against it, measured in the same run with the same client.

    .venv/bin/python -m uvicorn bench.hello:app --port 8001
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}
