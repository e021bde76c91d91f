"""Shared fixtures: the app on SQLite or PostgreSQL, a client, factories, a live server.

Run on PostgreSQL with ``pytest --db postgresql`` (a throwaway cluster is started
from the local binaries, or TEST_DATABASE_URL is used). With CI=true a missing
PostgreSQL or Chromium fails the run instead of skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from config import TestConfig
from fablab import create_app
from fablab.database import use_deferred_transactions
from fablab.extensions import db as _db
from fablab.extensions import limiter

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
TEST_PASSWORD = "correct horse battery"


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="the database the suite runs against",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real Chromium (pytest-playwright)")
    config.addinivalue_line("markers", "slow: a concurrency or load test")


def unavailable(reason: str):
    """Fail in CI (the dependency is mandatory there), skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (mandatory with CI=true)", pytrace=False)
    pytest.skip(reason)


def worker_database(url: str, worker: str | None) -> str:
    """Under pytest-xdist each worker gets its own database next to TEST_DATABASE_URL's."""
    if not worker:
        return url
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(request) -> Iterator[str]:
    if request.config.getoption("--db") == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL")
        if url:
            yield worker_database(url, os.environ.get("PYTEST_XDIST_WORKER"))
            return
        from tests.pg import start_cluster

        try:
            cluster = start_cluster()
        except (FileNotFoundError, OSError) as error:
            unavailable(f"PostgreSQL is not available: {error}")
        try:
            yield cluster.url
        finally:
            cluster.stop()
        return
    folder = tempfile.mkdtemp(prefix="fablab-test-")
    yield f"sqlite:///{os.path.join(folder, 'test.sqlite')}"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def app_config(database_url):
    upload_dir = tempfile.mkdtemp(prefix="fablab-uploads-")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        UPLOAD_FOLDER = upload_dir
        SCHEDULER_LOCK_FILE = os.path.join(upload_dir, "scheduler.lock")

    yield Config
    shutil.rmtree(upload_dir, ignore_errors=True)


class CommittingClient(FlaskClient):
    """A test client that commits the test's own session before each request.

    What the test set up becomes visible to the request, and the test's
    transaction (and its snapshot) ends, so it sees what the request did.
    """

    def open(self, *args, **kwargs):
        try:
            _db.session.commit()
        except Exception:
            _db.session.rollback()
        # Requests share the test's app context, hence its `g`, where Flask-Login and
        # Flask-Babel cache the user and the locale: forget them between requests.
        for cached in ("_login_user", "_flask_babel"):
            __import__("flask").g.pop(cached, None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _migrated_app(app_config):
    app = create_app(app_config)
    app.test_client_class = CommittingClient
    with app.app_context():
        upgrade(revision="heads")
    yield app
    with app.app_context():
        _db.engine.dispose()


def empty_database() -> None:
    tables = [t for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # Issued documents refuse DELETE (0009_accounting): lift the guards while emptying.
            guards = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE '%\\_nodelete' ESCAPE '\\'"
            ).all()
            for name, _sql in guards:
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
            for table in tables:
                connection.execute(table.delete())
            for _name, sql in guards:
                connection.exec_driver_sql(sql)


def _lab_identity() -> None:
    """The seller identity an invoice needs (issuing is refused while it is empty)."""
    from fablab.machines.models import LabSettings

    _db.session.add(
        LabSettings(
            id=1,
            legal_name="Association Fab Lab Test",
            siret="12345678900011",
            address="1 rue du Test\n69001 Lyon",
        )
    )
    _db.session.commit()


@pytest.fixture
def app(_migrated_app):
    """The app, with an app context pushed and an empty database after the test.

    The test's own session reads without taking SQLite's write lock, so that
    requests served meanwhile (test client, live server, threads) can write.
    """
    with _migrated_app.app_context():
        use_deferred_transactions()
        _lab_identity()
        yield _migrated_app
        _db.session.remove()
        empty_database()
        limiter.reset()  # rate-limit counters live as long as the app: start each test afresh


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Log ``user`` into the test client (a session cookie, as Flask-Login keeps it)."""

    def _login(user):
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return _login


@pytest.fixture
def make_company(db):
    from fablab.accounts.models import Company

    counter = iter(range(1, 10_000))

    def _make(**overrides):
        n = next(counter)
        values = dict(
            legal_name=f"Company {n}",
            siret="12345678900015",
            vat_number="FR32123456789",
            billing_address="1 rue de Test\n75001 Paris",
            contact_email=f"billing{n}@company.example",
        )
        values.update(overrides)
        company = Company(**values)
        db.session.add(company)
        db.session.commit()
        return company

    return _make


@pytest.fixture
def make_user(db):
    """Create a user; the password is TEST_PASSWORD unless ``password`` is given."""
    from fablab.accounts.models import User

    counter = iter(range(1, 10_000))

    def _make(password: str = TEST_PASSWORD, **overrides):
        n = next(counter)
        values = dict(
            email=f"user{n}@example.org",
            name=f"User {n}",
            role="member",
            category="member",
            locale="en",
        )
        values.update(overrides)
        if values.get("company") is not None and "category" not in overrides:
            values["category"] = "company"
        user = User(**values)
        # A cheap hash keeps the suite fast; the app itself uses scrypt.
        user.password_hash = generate_password_hash(password, method="pbkdf2:sha256:1000")
        db.session.add(user)
        db.session.commit()
        return user

    return _make


@pytest.fixture
def member(make_user):
    return make_user(email="member@example.org", name="Alex Member")


@pytest.fixture
def manager(make_user):
    return make_user(email="manager@example.org", name="Camille Manager", role="manager")


@pytest.fixture
def make_machine(db):
    from fablab.machines.models import Machine

    counter = iter(range(1, 10_000))

    def _make(**overrides):
        n = next(counter)
        values = dict(
            name=f"Machine {n}",
            kind="3d_printer",
            rate_member_cents=300,
            rate_public_cents=500,
            rate_reduced_cents=200,
            rate_company_cents=1200,
            billing_increment_minutes=15,
        )
        values.update(overrides)
        machine = Machine(**values)
        db.session.add(machine)
        db.session.commit()
        return machine

    return _make


@pytest.fixture
def lab_settings(db):
    from fablab.machines.settings import get_settings

    settings = get_settings()
    db.session.commit()
    return settings


@pytest.fixture
def live_server(app):
    """The app served on loopback in a thread, for browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


class SentMail(Sequence):
    """The mails sent so far, as the jobs process would have sent them by now.

    Mail is written into the outbox table with the change that causes it and
    sent by the scheduler. Here the sender runs, in its own app context and
    session as the scheduler does, whenever the list is read while the test's
    session holds no uncommitted work (its read-only transaction is ended
    first, so it sees what the sender did; uncommitted mail is never sent).
    Retry times are not waited for: the back-off tests run the sender themselves.
    """

    def __init__(self, app):
        self.app = app
        self.mailman = app.extensions["mailman"]
        session = _db.session()
        sa.event.listen(session, "after_flush", self._wrote)
        sa.event.listen(session, "after_transaction_end", self._ended)
        self.mailman.outbox = []
        self.sent()  # mail committed before the test looks (fixtures' set-up) went out then
        self.mailman.outbox = []

    @staticmethod
    def _wrote(session, _context):
        session.info["sent_mail_wrote"] = True

    @staticmethod
    def _ended(session, transaction):
        if transaction.parent is None:
            session.info.pop("sent_mail_wrote", None)

    def _send(self) -> None:
        from fablab.outbox.jobs import send_due

        with self.app.app_context():
            try:
                send_due(ignore_retry_times=True)
            finally:
                _db.session.remove()

    def sent(self) -> list:
        session = _db.session()
        busy = session.new or session.dirty or session.deleted
        if not busy and not session.info.get("sent_mail_wrote"):
            session.rollback()  # a read-only transaction: nothing lost, a fresh snapshot
            self._send()
        return self.mailman.outbox

    def __getitem__(self, index):
        return self.sent()[index]

    def __len__(self) -> int:
        return len(self.sent())

    def __iter__(self):
        return iter(list(self.sent()))

    def __eq__(self, other) -> bool:
        return self.sent() == other

    def clear(self) -> None:
        self.sent().clear()

    def __repr__(self) -> str:
        return f"SentMail({self.mailman.outbox!r})"


@pytest.fixture
def outbox(app):
    """The mails sent during the test (the outbox, sent through flask-mailman's locmem backend)."""
    return SentMail(app)


SIGNUP_LINK = re.compile(r"https?://[^/\s]+(/signup/finish/\S+)")


@pytest.fixture
def sign_up(outbox):
    """Sign up as a visitor does: the form, then the link of the mail, then a password.

    Returns the answer to the last step (a redirect when the account is made).
    """

    def _sign_up(
        client, *, email, name="Sam Maker", password=TEST_PASSWORD, locale="en", next=None
    ):
        outbox.clear()
        query = {"next": next} if next else {}
        sent = client.post(
            "/signup", query_string=query, data={"name": name, "email": email, "locale": locale}
        )
        assert sent.status_code == 302, sent.get_data(as_text=True)
        link = SIGNUP_LINK.search(outbox[-1].body).group(1)
        return client.post(link, data={"name": name, "password": password})

    return _sign_up
