"""Companies: legal identity checks, invitations, employees."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from fablab.accounts.companies import (
    CompanyError,
    normalise_siret,
    normalise_vat_number,
)
from fablab.accounts.models import Company, CompanyInvitation
from tests.conftest import TEST_PASSWORD

VALID_SIRET = "73282932000074"  # Luhn-valid
VALID_VAT = "FR44732829320"  # key 44 for SIREN 732829320


@pytest.fixture(autouse=True)
def english(app, client, monkeypatch):
    """These tests read the English messages (the lab's default language is French)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    make_client = app.test_client

    def english_client(*args, **kwargs):
        other = make_client(*args, **kwargs)
        other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return other

    monkeypatch.setattr(app, "test_client", english_client)


@pytest.mark.parametrize(
    "value", ["732 829 320 00074", VALID_SIRET, "35600000000048", "35600000012341"]
)
def test_valid_sirets(value):
    assert normalise_siret(value) == value.replace(" ", "")


@pytest.mark.parametrize("value", ["73282932000075", "1234567890123", "7328293200007A"])
def test_invalid_sirets(value):
    with pytest.raises(CompanyError) as error:
        normalise_siret(value)
    assert error.value.field == "siret"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr 44 732829320", VALID_VAT),
        ("DE123456789", "DE123456789"),
        ("NL123456789B01", "NL123456789B01"),
        ("FRXX732829320", "FRXX732829320"),  # letter keys cannot be checked offline
    ],
)
def test_valid_vat_numbers(value, expected):
    assert normalise_vat_number(value) == expected


@pytest.mark.parametrize("value", ["FR45732829320", "FR4473282932", "US123456789", "DE12345678"])
def test_invalid_vat_numbers(value):
    with pytest.raises(CompanyError) as error:
        normalise_vat_number(value)
    assert error.value.field == "vat_number"


def company_form(**overrides):
    data = {
        "legal_name": "Atelier Bois SARL",
        "siret": VALID_SIRET,
        "vat_number": VALID_VAT,
        "billing_address": "3 rue du Chêne\n69001 Lyon",
        "contact_email": "compta@atelier.example",
    }
    data.update(overrides)
    return data


def test_a_manager_creates_a_company(client, db, manager, login_as):
    login_as(manager)

    response = client.post("/manage/companies/new", data=company_form())

    assert response.status_code == 302
    company = db.session.scalar(sa.select(Company))
    assert (company.legal_name, company.siret, company.vat_number) == (
        "Atelier Bois SARL",
        VALID_SIRET,
        VALID_VAT,
    )
    assert b"Atelier Bois SARL" in client.get(response.headers["Location"]).data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"legal_name": ""}, b"This field is required."),
        ({"siret": "73282932000075"}, b"This SIRET is not valid"),
        ({"vat_number": "FR45732829320"}, b"does not match its SIREN"),
        ({"vat_number": "FR05987654321"}, b"not of the same company"),
        ({"vat_number": "XX1"}, b"Enter an intra-EU VAT number"),
        ({"contact_email": "nope"}, b"Enter a valid e-mail address."),
    ],
)
def test_company_form_refuses_bad_identity(client, db, manager, login_as, overrides, message):
    login_as(manager)

    response = client.post("/manage/companies/new", data=company_form(**overrides))

    assert response.status_code == 200
    assert message in response.data
    assert b'class="field-error"' in response.data
    assert db.session.scalar(sa.select(sa.func.count(Company.id))) == 0


def test_two_companies_cannot_share_a_siret(client, db, manager, make_company, login_as):
    make_company(siret=VALID_SIRET)
    login_as(manager)

    response = client.post("/manage/companies/new", data=company_form())

    assert b"Another company already has this SIRET." in response.data


def invitation_link(mail) -> str:
    return re.search(r"http://localhost(/companies/join/\S+)", mail.body).group(1)


@pytest.fixture
def contact(make_user, make_company):
    company = make_company(legal_name="Acme Robotics")
    return make_user(email="boss@acme.example", company=company, is_company_contact=True)


def test_a_contact_invites_someone_who_signs_up_and_joins(
    app, client, db, contact, outbox, login_as, sign_up
):
    login_as(contact)
    response = client.post("/my-company/invite", data={"email": "New.Hire@Acme.example"})
    assert response.status_code == 302
    assert outbox[0].to == ["new.hire@acme.example"]
    link = invitation_link(outbox[0])
    invitation = db.session.scalar(sa.select(CompanyInvitation))
    assert link.rsplit("/", 1)[1] not in invitation.token_hash  # only a hash is kept

    invitee = app.test_client()
    page = invitee.get(link)
    assert b"Acme Robotics" in page.data
    # The invitation page sends a newcomer to sign up, and back here afterwards.
    assert (
        sign_up(invitee, email="new.hire@acme.example", name="New Hire", next=link).headers[
            "Location"
        ]
        == link
    )
    assert invitee.post(link).status_code == 302

    employees = client.get("/my-company").get_data(as_text=True)
    assert "New Hire" in employees
    me = invitee.get("/profile").get_data(as_text=True)
    assert "Acme Robotics" in me
    assert invitee.post(link).status_code == 404  # used once


def test_an_invitation_is_only_for_its_address(app, db, contact, make_user, outbox, login_as):
    from fablab.accounts.companies import invite_employee
    from fablab.transaction import commit

    invite_employee(company=contact.company, email="right@example.org", invited_by=contact)
    commit()
    stranger = make_user(email="wrong@example.org")
    client = login_as(stranger)

    response = client.post(invitation_link(outbox[0]), follow_redirects=True)

    assert b"log in with that address" in response.data
    db.session.refresh(stranger)
    assert stranger.company_id is None


def test_a_contact_removes_an_employee_whose_account_stays(
    client, db, contact, make_user, login_as
):
    employee = make_user(email="leaving@acme.example", company=contact.company)
    login_as(contact)

    response = client.post(f"/my-company/employees/{employee.id}/remove")

    assert response.status_code == 302
    db.session.refresh(employee)
    assert employee.company_id is None
    assert employee.category == "public"
    assert employee.active
    assert "leaving@acme.example" not in client.get("/my-company").get_data(as_text=True)


def test_a_contact_cannot_touch_another_companys_employees(
    client, db, contact, make_user, make_company, login_as
):
    outsider = make_user(company=make_company(legal_name="Other Corp"))
    login_as(contact)

    assert client.post(f"/my-company/employees/{outsider.id}/remove").status_code == 404
    db.session.refresh(outsider)
    assert outsider.company_id is not None


def test_an_employee_who_is_not_the_contact_gets_403(client, contact, make_user, login_as):
    employee = make_user(company=contact.company)
    login_as(employee)

    assert client.get("/my-company").status_code == 403
    assert client.post("/my-company/invite", data={"email": "x@example.org"}).status_code == 403


def test_a_manager_invites_and_removes_from_the_company_page(
    client, db, manager, contact, make_user, outbox, login_as
):
    employee = make_user(company=contact.company, name="Old Timer")
    login_as(manager)
    company_id = contact.company_id

    page = client.get(f"/manage/companies/{company_id}").get_data(as_text=True)
    assert "Old Timer" in page and "boss@acme.example" in page

    client.post(f"/manage/companies/{company_id}/invite", data={"email": "new@acme.example"})
    assert len(outbox) == 1
    client.post(f"/manage/companies/{company_id}/employees/{employee.id}/remove")

    db.session.refresh(employee)
    assert employee.company_id is None
    assert "new@acme.example" in client.get(f"/manage/companies/{company_id}").get_data(
        as_text=True
    )


def test_the_contact_login_then_join_flow(app, db, contact, make_user, outbox, login_as):
    from fablab.accounts.companies import invite_employee
    from fablab.transaction import commit

    member = make_user(email="already@example.org")
    invite_employee(company=contact.company, email=member.email, invited_by=contact)
    commit()
    link = invitation_link(outbox[0])
    client = app.test_client()

    login = client.post(
        "/login",
        query_string={"next": link},
        data={"email": member.email, "password": TEST_PASSWORD},
    )
    assert login.headers["Location"] == link
    client.post(link)

    db.session.refresh(member)
    assert member.company_id == contact.company_id
    assert member.category == "company"


def test_a_cancelled_or_expired_invitation_no_longer_opens(
    app, client, db, contact, outbox, login_as
):
    from datetime import timedelta

    from fablab.accounts.companies import INVITATION_MAX_AGE, invite_employee
    from fablab.transaction import commit

    cancelled = invite_employee(company=contact.company, email="a@example.org", invited_by=contact)
    expired = invite_employee(company=contact.company, email="b@example.org", invited_by=contact)
    expired.created_at -= INVITATION_MAX_AGE + timedelta(minutes=1)
    commit()
    cancelled_link, expired_link = (invitation_link(mail) for mail in outbox)
    login_as(contact)

    page = client.get("/my-company").get_data(as_text=True)
    assert "a@example.org" in page and "b@example.org" not in page
    client.post(f"/my-company/invitations/{cancelled.id}/cancel")

    visitor = app.test_client()
    assert visitor.get(cancelled_link).status_code == 404
    assert b"no longer valid" in visitor.get(expired_link).data


def test_the_invitation_mail_speaks_the_invitees_language(db, contact, make_user, outbox):
    from fablab.accounts.companies import invite_employee
    from fablab.transaction import commit

    make_user(email="french@example.org", locale="fr")
    invite_employee(company=contact.company, email="french@example.org", invited_by=contact)
    commit()

    assert outbox[0].subject == "Rejoignez Acme Robotics au fab lab"
    assert "Bonjour" in outbox[0].body
