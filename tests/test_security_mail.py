"""A name with CR/LF never breaks or forges a mail header: subjects are folded onto one
line for every mail, and company names are stored on one line."""

from __future__ import annotations

from tests.test_events_registrations import make_event  # noqa: F401  (fixture)


def test_an_invitation_from_a_company_named_with_line_breaks_is_sent(
    client, db, make_company, make_user, login_as, outbox
):
    company = make_company(legal_name="Evil Corp\r\nBcc: victim@example.org")
    contact = make_user(company=company, is_company_contact=True)

    answer = login_as(contact).post("/my-company/invite", data={"email": "new@example.org"})

    assert answer.status_code == 302
    assert len(outbox) == 1
    subject = outbox[0].subject
    assert "\r" not in subject and "\n" not in subject
    assert "Evil Corp Bcc: victim@example.org" in subject
    assert "victim@example.org" not in outbox[0].message().get_all("Bcc", [])


def test_company_names_are_saved_on_one_line(db):
    from fablab.accounts.companies import save_company

    company = save_company(
        legal_name="  Acme\r\n  Robotics ",
        siret=None,
        vat_number=None,
        billing_address="1 rue de Test",
        contact_email="billing@acme.example",
    )
    assert company.legal_name == "Acme Robotics"


def test_an_anonymous_registration_does_not_mail_the_typed_text(
    client,
    make_event,  # noqa: F811
    outbox,
):
    event = make_event()
    client.post(
        f"/events/{event.id}/register",
        data={"name": "WIN 500 EUR at evil.example", "email": "stranger@example.org"},
        headers={"Accept-Language": "en"},
    )

    (message,) = outbox
    assert "evil.example" not in message.body
    assert message.body.startswith("Hello,")
