"""Schemathesis against the app's own OpenAPI, through a real uvicorn: every JSON operation gets
generated requests – valid per the schema and not – with a valid facilitator's token, on ids of a
real workshop and its notes as often as on random ones. Not one answer may be a 500.

Bounded: EXAMPLES per operation and mode, so a run stays well under a minute per database. The
live event stream is left out (it never ends by design); its odd `Last-Event-ID` is tested in
tests/live/test_sse.py.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import hypothesis.strategies as st
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from app.main import create_app
from tests.servers import LiveServer, running_server

EXAMPLES = 15
SKIP = r"/events$"  # a stream: answered, then held open for live events


@pytest.fixture(scope="module")
def live(
    database_url: str, migrated: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    log: Path = tmp_path_factory.mktemp("fuzz") / "uvicorn.log"
    with running_server(database_url, log) as server:
        yield server


def test_no_generated_request_gets_a_500(live: LiveServer, make_workshop) -> None:
    w = make_workshop(participants=2, stage="causes")
    phone = {"Authorization": f"Bearer {w.participants[0].token}"}
    notes = [
        requests.post(
            f"{live.url}/api/v1/workshops/{w.id}/items",
            json={"kind": kind, "focus_area_id": w.area(), "text": f"Exempel {kind}"},
            headers=w.facilitator if kind == "cause" else phone,
            timeout=10,
        ).json()["id"]
        for kind in ("cause", "cause")
    ]
    schema = (
        schemathesis.openapi.from_dict(create_app().openapi())
        .include(path_regex=r"^/api/")
        .exclude(path_regex=SKIP)
    )
    session = requests.Session()
    ours = {"workshop_id": w.id, "item_id": notes[0]}
    cases = 0
    failures: list[str] = []
    started = time.monotonic()

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode), own=st.booleans())
            def call(case: schemathesis.Case, own: bool) -> None:
                nonlocal cases
                if own and isinstance(case.path_parameters, dict):
                    for name in set(case.path_parameters) & set(ours):
                        case.path_parameters[name] = ours[name]
                cases += 1
                response = case.call(
                    base_url=live.url, session=session, headers=w.facilitator, timeout=10
                )
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} → {response.status_code}")
                case.validate_response(response, checks=[not_a_server_error])

            try:
                call()
            except Exception as error:  # keep going: report every operation that fails
                failures.append(f"{operation.label} ({mode.value}): {str(error)[:300]}")

    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {cases} cases in {elapsed:.1f} s")
    assert cases >= 200, cases  # the fuzzer really ran
    assert failures == [], "\n".join(failures[:20]) + "\n" + live.log_tail()
