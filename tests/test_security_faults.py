"""While the database is unreachable the web answers 503 with Retry-After, never 500;
/healthz says the process lives and /readyz that the database is ready."""

from __future__ import annotations

import pytest

from fablab import create_app

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-folder/for/fablab.sqlite",
    "postgresql": "postgresql+psycopg://fablab@127.0.0.1:9/fablab?connect_timeout=2",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down(request, app_config):
    class Down(app_config):
        SQLALCHEMY_DATABASE_URI = UNREACHABLE[request.param]

    return create_app(Down).test_client()


@pytest.mark.parametrize("path", ["/", "/machines", "/login", "/api/v1/machines", "/events"])
def test_pages_answer_503_with_retry_after(down, path):
    answer = down.get(path, headers={"Accept-Language": "en"})

    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert "unavailable" in answer.get_data(as_text=True)


def test_health_and_readiness_while_down(down):
    assert down.get("/healthz").status_code == 200
    assert down.get("/readyz").status_code == 503


def test_ready_when_the_database_answers_and_is_migrated(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "ok"
