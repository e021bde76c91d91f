"""French and English: the browser's language by default, the header switch."""

from __future__ import annotations

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def test_login_page_in_french(client):
    page = client.get("/login", headers=FRENCH).get_data(as_text=True)

    assert '<html lang="fr">' in page
    assert "Se connecter" in page
    assert "Mot de passe oublié ?" in page


def test_login_page_in_english(client):
    page = client.get("/login", headers=ENGLISH).get_data(as_text=True)

    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Forgot your password?" in page


def test_form_errors_are_translated(client):
    page = client.post(
        "/signup", headers=FRENCH, data={"name": "Sam", "email": "sam@", "locale": "fr"}
    ).get_data(as_text=True)

    assert "Saisissez une adresse e-mail valide" in page


def test_the_header_switch_changes_the_language(client):
    response = client.post("/language", data={"locale": "en", "next": "/login"}, headers=FRENCH)
    assert response.headers["Location"] == "/login"

    page = client.get("/login", headers=FRENCH).get_data(as_text=True)
    assert '<html lang="en">' in page and "Forgot your password?" in page

    client.post("/language", data={"locale": "fr", "next": "/login"}, headers=FRENCH)
    assert "Se connecter" in client.get("/login", headers=ENGLISH).get_data(as_text=True)


def test_the_switch_is_remembered_on_the_account(client, db, member, login_as):
    login_as(member)  # member.locale is "en"

    client.post("/language", data={"locale": "fr", "next": "/profile"})

    db.session.refresh(member)
    assert member.locale == "fr"
    assert "Mon profil" in client.get("/profile", headers=ENGLISH).get_data(as_text=True)


def test_the_booking_operations_pages_speak_french(client, db, member, login_as):
    """Their strings live in the bookings catalogue (one domain, one folder)."""
    member.locale = "fr"
    db.session.commit()
    login_as(member)

    page = client.get("/waitlist", headers=FRENCH).get_data(as_text=True)

    assert "Ma liste d’attente" in page


def test_the_switch_on_a_page_answering_a_post_goes_back_to_a_page_that_exists(
    client, login_as, member
):
    """A feed link is shown once, in the answer to a POST: switching language from there
    must not send the person to the POST-only address (405)."""
    import re

    page = login_as(member).post(
        "/calendar/revoke", headers={"Referer": "http://localhost/calendar/"}
    )
    back = re.search(r'name="next" value="([^"]*)"', page.get_data(as_text=True)).group(1)
    assert back == "/calendar/"

    response = client.post("/language", data={"locale": "en", "next": back})
    assert client.get(response.headers["Location"]).status_code == 200
