"""In a real browser: a manager finds a refused mail, with its reason, and sends it again."""

from __future__ import annotations

import pytest

from fablab.mail import queue_mail
from fablab.transaction import commit
from tests.conftest import TEST_PASSWORD
from tests.test_outbox import run_sender, smtp  # noqa: F401  (the SMTP server fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR"}


def test_a_manager_finds_a_refused_mail_and_sends_it_again(
    page,
    live_server,
    app,
    make_user,
    smtp,  # noqa: F811
):
    manager = make_user(email="camille@example.org", role="manager", locale="fr")
    queue_mail("ancien@example.org", "Votre facture F-2027-0001", "Bonjour")
    commit()
    smtp.mailbox.refuse["ancien@example.org"] = "550 5.1.1 Mailbox unavailable"
    run_sender(app)

    page.goto(f"{live_server}/login")
    page.fill("#email", manager.email)
    page.fill("#password", TEST_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.click("nav summary >> text=Gérer")
    page.get_by_role("link", name="Courriels").click()
    page.get_by_role("link", name="En échec (1)").click()
    row = page.locator("#messages tbody tr").first
    assert "ancien@example.org" in row.inner_text()
    assert "550 5.1.1 Mailbox unavailable" in row.inner_text()

    del smtp.mailbox.refuse["ancien@example.org"]
    row.get_by_role("button", name="Renvoyer").click()
    page.get_by_text("va être envoyé de nouveau").wait_for()
    run_sender(app)
    assert smtp.mailbox.subjects() == ["Votre facture F-2027-0001"]
    page.reload()
    page.get_by_role("link", name="Envoyés (1)").wait_for()
    assert page.get_by_role("link", name="En échec (1)").is_visible()  # the history stays
