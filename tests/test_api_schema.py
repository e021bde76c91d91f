"""schemathesis over the OpenAPI document, as a member and as a manager.

Every operation gets a bounded number of generated requests (derandomised: the
same examples on every run). Each answer must be no 5xx, and its status code,
content type and body must be ones the document declares for that operation.
SQLite only: what is checked here does not depend on the database.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import g
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fablab.accounts.services import find_user_by_email
from fablab.accounts.tokens import create_api_token
from fablab.seed import seed_demo
from fablab.transaction import commit

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 10


@pytest.fixture
def lab(db):
    """The demo lab: lists come back full (bookings, invoices, sessions, events…), so
    their bodies are checked against the document, not only empty lists."""
    seed_demo()
    commit()
    return {
        "member": find_user_by_email("member@example.org"),
        "manager": find_user_by_email("manager@example.org"),
    }


def bearer(db, user) -> dict:
    _, secret = create_api_token(user=user, name="schemathesis")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def call_and_validate(db, case, headers: dict) -> None:
    # Requests share the test's app context: end its transaction and forget the
    # user Flask-Login cached, as the test client does (tests/conftest.py).
    db.session.rollback()
    g.pop("_login_user", None)
    case.call_and_validate(headers=headers, checks=CHECKS)


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def api_schema(app, request):
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("the schema fuzzing runs on SQLite (it checks the API, not the database)")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def fuzz(db, api_schema, headers: dict) -> list[str]:
    """Every operation, valid and invalid requests: the first failure of each."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @FUZZ_SETTINGS
            def check(case):
                call_and_validate(db, case, headers)

            try:
                check()
            except Unsatisfiable:
                continue  # nothing in this operation can be made invalid
            except (AssertionError, BaseExceptionGroup) as error:  # schemathesis's failures
                failures.append(f"{operation.label} ({mode.value}): {str(error).strip()[:1500]}")
    return failures


def test_api_answers_a_member_as_documented(db, api_schema, lab):
    failures = fuzz(db, api_schema, bearer(db, lab["member"]))
    assert not failures, "\n\n".join(failures)


def test_api_answers_a_manager_as_documented(db, api_schema, lab):
    failures = fuzz(db, api_schema, bearer(db, lab["manager"]))
    assert not failures, "\n\n".join(failures)
