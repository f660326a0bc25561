"""Notes per second and time to screen, with a real server, 30 phones and a board listening.

    .venv/bin/python -m bench.notes                      # SQLite in a temp folder
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/x .venv/bin/python -m bench.notes

Starts uvicorn in a subprocess, joins 30 participants, opens each phone's and the board's HTML
event stream (what the pages use), then the 30 participants post 3 notes each at once. Prints
notes/s and, for every note on every screen, the time from the post to the screen receiving it.
"""

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

PHONES = 30
NOTES_EACH = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listen(
    url: str,
    cookies: dict[str, str],
    seen: dict[int, float],
    ready: threading.Event,
    stop: threading.Event,
) -> None:
    note_re = re.compile(r'id="note-(\d+)"')
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(5, read=60), cookies=cookies) as c,
            c.stream("GET", url) as r,
        ):
            for line in r.iter_lines():
                if stop.is_set():
                    return
                if line.startswith(":"):
                    ready.set()
                elif line.startswith("data:"):
                    now = time.perf_counter()
                    for match in note_re.finditer(line):
                        seen.setdefault(int(match.group(1)), now)
    except httpx.HTTPError:
        return  # the server stops at the end of the run


def main() -> None:
    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stderr=subprocess.DEVNULL,  # streams cut at shutdown log noise, not results
    )
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        run(base)
    finally:
        server.terminate()
        server.wait(10)


def run(base: str) -> None:
    api = httpx.Client(base_url=base, timeout=30)
    made = api.post("/api/v1/workshops", json={"title": "Bench"}).json()
    wid, fac = made["id"], {"Authorization": f"Bearer {made['facilitator_token']}"}
    areas = [
        a["id"] for a in api.get(f"/api/v1/workshops/{wid}", headers=fac).json()["focus_areas"]
    ]
    phones = [
        api.post("/api/v1/join", json={"join_code": made["join_code"]}).json()["participant_token"]
        for _ in range(PHONES)
    ]
    api.put(f"/api/v1/workshops/{wid}/stage", json={"stage": "situation"}, headers=fac)

    stop = threading.Event()
    screens: list[dict[int, float]] = []
    listeners = [
        (f"{base}/w/{wid}/stream?as=participant", {f"ks_{wid}_participant": t}) for t in phones
    ]
    listeners.append((f"{base}/w/{wid}/stream?as=board", {f"ks_{wid}_board": made["board_token"]}))
    for stream_url, cookies in listeners:
        seen: dict[int, float] = {}
        ready = threading.Event()
        screens.append(seen)
        threading.Thread(
            target=listen, args=(stream_url, cookies, seen, ready, stop), daemon=True
        ).start()
        ready.wait(10)

    sent: dict[int, float] = {}

    def post(token: str) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            for i in range(NOTES_EACH):
                start = time.perf_counter()
                response = c.post(
                    f"/api/v1/workshops/{wid}/items",
                    json={
                        "kind": "situation",
                        "focus_area_id": areas[i % len(areas)],
                        "text": f"Note {i}",
                    },
                    headers={"Authorization": f"Bearer {token}"},
                )
                sent[response.json()["id"]] = start

    t0 = time.perf_counter()
    with ThreadPoolExecutor(PHONES) as pool:
        list(pool.map(post, phones))
    posting = time.perf_counter() - t0
    deadline = time.perf_counter() + 15
    while time.perf_counter() < deadline and any(len(s) < len(sent) for s in screens):
        time.sleep(0.05)
    stop.set()
    delays = sorted(
        (screen[note] - start) * 1000
        for note, start in sent.items()
        for screen in screens
        if note in screen
    )
    total = len(sent) * len(screens)
    print(f"database:        {os.environ.get('DATABASE_URL', 'sqlite (temp file)').split('@')[-1]}")
    rate = len(sent) / posting
    print(
        f"notes posted:    {len(sent)} by {PHONES} phones at once in {posting:.2f} s = {rate:.0f}/s"
    )
    print(f"screens:         {len(screens)} ({PHONES} phones + board)")
    print(f"deliveries:      {len(delays)}/{total}")
    if delays:
        p95 = delays[int(len(delays) * 0.95) - 1]
        median = statistics.median(delays)
        print(f"time to screen:  median {median:.0f} ms, p95 {p95:.0f} ms, max {delays[-1]:.0f} ms")


if __name__ == "__main__":
    main()
