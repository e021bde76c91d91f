"""Manager pages for people: access, search, edit, deactivate."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD

MANAGER_PAGES = [
    ("get", "/manage/users"),
    ("get", "/manage/users/{user}"),
    ("post", "/manage/users/{user}"),
    ("post", "/manage/users/{user}/deactivate"),
    ("post", "/manage/users/{user}/reactivate"),
    ("get", "/manage/companies"),
    ("get", "/manage/companies/new"),
    ("post", "/manage/companies/new"),
    ("get", "/manage/companies/{company}"),
    ("get", "/manage/companies/{company}/edit"),
    ("post", "/manage/companies/{company}/invite"),
    ("post", "/manage/companies/{company}/employees/{user}/remove"),
]


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


@pytest.mark.parametrize(("method", "url"), MANAGER_PAGES)
def test_a_member_gets_403_on_manager_pages(client, member, make_company, login_as, method, url):
    company = make_company()
    login_as(member)

    response = getattr(client, method)(url.format(user=member.id, company=company.id))

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "url"), MANAGER_PAGES[:2])
def test_a_visitor_is_sent_to_the_login_page(client, member, method, url):
    response = getattr(client, method)(url.format(user=member.id))

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_managers_search_users_by_email_or_name_and_role(client, manager, make_user, login_as):
    make_user(email="ada@example.org", name="Ada Lovelace")
    make_user(email="grace@example.org", name="Grace Hopper")
    login_as(manager)

    by_name = client.get("/manage/users?q=lovelace").get_data(as_text=True)
    by_email = client.get("/manage/users?q=GRACE@").get_data(as_text=True)
    managers = client.get("/manage/users?role=manager").get_data(as_text=True)

    assert "Ada Lovelace" in by_name and "Grace Hopper" not in by_name
    assert "Grace Hopper" in by_email and "Ada Lovelace" not in by_email
    assert "Camille Manager" in managers and "Ada Lovelace" not in managers


def edit(client, user, **overrides):
    data = {
        "name": user.name,
        "role": user.role,
        "category": user.category,
        "company_id": user.company_id or 0,
    }
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not False}
    return client.post(f"/manage/users/{user.id}", data=data)


def test_a_manager_edits_a_person(client, db, manager, member, make_company, login_as):
    company = make_company(legal_name="Acme")
    login_as(manager)

    response = edit(
        client,
        member,
        name="Alex M.",
        category="company",
        company_id=company.id,
        is_company_contact="y",
    )

    assert response.status_code == 302
    db.session.refresh(member)
    assert (member.name, member.category, member.company_id) == ("Alex M.", "company", company.id)
    assert member.is_company_contact


def test_a_manager_may_make_a_manager_but_not_an_admin(client, db, manager, member, login_as):
    login_as(manager)

    refused = edit(client, member, role="admin")
    assert refused.status_code == 200
    db.session.refresh(member)
    assert member.role == "member"

    assert edit(client, member, role="manager").status_code == 302
    db.session.refresh(member)
    assert member.role == "manager"


def test_an_admin_may_make_an_admin(client, db, make_user, member, login_as):
    login_as(make_user(role="admin"))

    assert edit(client, member, role="admin").status_code == 302
    db.session.refresh(member)
    assert member.role == "admin"


def test_company_category_needs_a_company(client, db, manager, member, login_as):
    login_as(manager)

    response = edit(client, member, category="company")

    assert b"Choose the company of this person." in response.data
    db.session.refresh(member)
    assert member.category == "member"


def test_deactivate_then_reactivate(app, client, db, manager, member, login_as):
    login_as(manager)

    client.post(f"/manage/users/{member.id}/deactivate")

    db.session.refresh(member)
    assert not member.active
    other = app.test_client()
    login = other.post("/login", data={"email": member.email, "password": TEST_PASSWORD})
    assert b"Wrong e-mail or password." in login.data

    client.post(f"/manage/users/{member.id}/reactivate")

    db.session.refresh(member)
    assert member.active
    assert (
        other.post("/login", data={"email": member.email, "password": TEST_PASSWORD}).status_code
        == 302
    )


def test_a_manager_cannot_deactivate_themselves_or_an_admin(
    client, db, manager, make_user, login_as
):
    admin = make_user(role="admin")
    login_as(manager)

    client.post(f"/manage/users/{manager.id}/deactivate")
    client.post(f"/manage/users/{admin.id}/deactivate")

    db.session.refresh(manager)
    db.session.refresh(admin)
    assert manager.active and admin.active


@pytest.mark.parametrize("url", [url for method, url in MANAGER_PAGES if method == "get"])
def test_a_manager_sees_the_manager_pages(client, manager, member, make_company, login_as, url):
    company = make_company()
    login_as(manager)

    response = client.get(url.format(user=member.id, company=company.id))

    assert response.status_code == 200


def test_a_company_contact_sees_their_company_page(client, make_user, make_company, login_as):
    contact = make_user(company=make_company(legal_name="Acme"), is_company_contact=True)
    login_as(contact)

    page = client.get("/my-company").get_data(as_text=True)

    assert "Acme" in page and contact.email in page
