"""The whole API fuzzed from its own OpenAPI document, in process over WSGI.

Examples are generated from each endpoint's schemas (valid and not), signed in as a
user who is both a member and an administrator, so every endpoint is reached.  No
answer may be a server error, and every answer must be documented and match its
schema.  On SQLite and PostgreSQL; bounded examples keep it to seconds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import schemathesis
from conftest import build_app
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engagement import DEFAULT_RULES_PATH, Engagement

EXAMPLES = 25
"""Per operation: enough to reach every refusal path, a few seconds in all."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api(database_url: str) -> Iterator[schemathesis.BaseSchema]:
    """The API of a host over SQLite or PostgreSQL with a little history."""
    engine = Engagement(database_url)
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    for member in ("alice", "bob", "boss"):
        engine.members.upsert(member, display_name=member.title(), opted_in=True, team="Sales")
    engine.record(
        {"key": "seed", "member": "alice", "verb": "post", "at": "2026-07-06T09:00:00+02:00"}
    )
    app = build_app(engine)
    yield schemathesis.openapi.from_wsgi("/engagement/openapi.json", app)
    engine.close()


def test_no_server_error_and_every_answer_as_documented(api: schemathesis.BaseSchema) -> None:
    # Each operation is its own hypothesis run (the pytest plugin's parametrisation
    # does not run under this pytest), all in one test.
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 19
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for operation, mode in itertools.product(operations, modes):
        inputs = [*operation.query, *operation.body, *operation.path_parameters]
        if mode is schemathesis.GenerationMode.NEGATIVE and not inputs:
            continue  # nothing to get wrong

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"X-Test-User": "boss"}, checks=CHECKS)

        try:
            fuzz()
        except Unsatisfiable:
            # a string path parameter has no invalid form: there is nothing to negate
            assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
            assert not [*operation.query, *operation.body], operation.label
