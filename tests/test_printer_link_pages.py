"""A manager links a printer from its Devices page (tried before saved) and sees a failing
link at once: a notice on every page, the error translated, the device health page."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from fablab.timeutil import utcnow
from fablab.usage.devices import link_of
from fablab.usage.jobs import poll_printers
from fablab.usage.models import PrinterLink
from tests.fake_octoprint import API_KEY, FakeOctoPrint
from tests.fake_printers import MOONRAKER_KEY, FakeMoonraker


def _form(url, key, kind="octoprint", **extra):
    data = {"kind": kind, "url": url, "api_key": key, "diameter_mm": "1.75"}
    data.update(density_g_cm3="1.24", enabled="y", **extra)
    return data


def test_a_wrong_key_is_refused_on_the_form_and_nothing_is_saved(
    db, login_as, make_machine, make_user
):
    printer = make_machine(name="Prusa MK4", consumable_unit="gram")
    manager = make_user(email="chef@example.org", role="manager", locale="fr")
    client = login_as(manager)
    with FakeOctoPrint() as octoprint:
        answer = client.post(
            f"/usage/machines/{printer.id}/devices/octoprint", data=_form(octoprint.url, "wrong")
        )
    assert answer.status_code == 422
    assert "Le serveur de l’imprimante a refusé la clé d’API." in answer.text
    assert db.session.scalars(sa.select(PrinterLink)).all() == []

    unreachable = client.post(
        f"/usage/machines/{printer.id}/devices/octoprint", data=_form("http://127.0.0.1:9", "k")
    )
    assert unreachable.status_code == 422
    assert "Impossible de joindre le serveur de l’imprimante." in unreachable.text


def test_a_moonraker_printer_is_linked_from_the_form(db, login_as, make_machine, manager):
    printer = make_machine(name="Voron", consumable_unit="gram")
    client = login_as(manager)
    with FakeMoonraker() as moonraker:
        answer = client.post(
            f"/usage/machines/{printer.id}/devices/octoprint",
            data=_form(moonraker.url, MOONRAKER_KEY, kind="moonraker"),
        )
        assert answer.status_code == 302
        page = client.get(answer.headers["Location"]).text
    assert "the printer answered" in page
    assert f"Machine id: {printer.id}" in page
    db.session.expire_all()
    assert link_of(printer).kind == "moonraker"


def test_a_failing_link_is_shown_to_managers_at_once_in_their_language(
    app, db, login_as, make_machine, make_user, member
):
    printer = make_machine(name="Prusa MK4", consumable_unit="gram")
    with FakeOctoPrint() as octoprint:
        from fablab.usage.devices import save_printer_link

        link = save_printer_link(machine=printer, url=octoprint.url, api_key=API_KEY)
        link.created_at = utcnow() - timedelta(days=1)
        db.session.commit()
        assert poll_printers().failures == []
    assert poll_printers().failures  # the server is gone now
    manager = make_user(email="chef@example.org", role="manager", locale="fr")
    client = login_as(manager)

    home = client.get("/").text
    assert 'id="printer-link-notice"' in home
    assert "1 imprimante ne peut pas être lue" in home
    assert "Impossible de joindre le serveur de l’imprimante." in home

    devices = client.get(f"/usage/machines/{printer.id}/devices").text
    assert "Impossible de joindre le serveur de l’imprimante." in devices
    assert "Connection refused" in devices  # the technical detail, as the server said it

    health = client.get("/usage/devices")
    assert health.status_code == 200
    assert "État des appareils" in health.text
    assert "Prusa MK4" in health.text.split('id="printer-links"')[1]

    assert 'id="printer-link-notice"' not in login_as(member).get("/").text


def test_the_managers_get_one_mail_when_a_link_stays_silent(
    db, make_machine, make_user, manager, outbox
):
    from fablab.usage.devices import save_printer_link

    make_user(email="chef@example.org", role="manager", locale="fr")
    printer = make_machine(name="Voron", consumable_unit="gram")
    start = utcnow().replace(microsecond=0) - timedelta(hours=2)
    with FakeMoonraker() as moonraker:
        link = save_printer_link(
            machine=printer, url=moonraker.url, api_key=MOONRAKER_KEY, kind="moonraker"
        )
        link.created_at = start - timedelta(days=1)
        db.session.commit()
        poll_printers(now=start)
    for minutes in (1, 5, 14):
        poll_printers(now=start + timedelta(minutes=minutes))
    assert outbox == []  # a short outage mails nobody

    poll_printers(now=start + timedelta(minutes=16))
    poll_printers(now=start + timedelta(minutes=17))
    poll_printers(now=start + timedelta(minutes=60))

    assert sorted(mail.to[0] for mail in outbox) == ["chef@example.org", "manager@example.org"]
    french = next(mail for mail in outbox if mail.to == ["chef@example.org"])
    assert "Voron" in french.subject
    assert "Impossible de joindre le serveur de l’imprimante." in french.body
    english = next(mail for mail in outbox if mail.to == ["manager@example.org"])
    assert "Cannot reach the printer's server." in english.body


def test_the_api_lists_links_with_their_health_to_managers_only(
    app, client, db, make_machine, manager, member
):
    from fablab.accounts.tokens import create_api_token
    from fablab.usage.devices import save_printer_link

    printer = make_machine(name="Voron", consumable_unit="gram")
    save_printer_link(
        machine=printer, url="http://127.0.0.1:9", api_key="secret-key", kind="moonraker"
    )
    db.session.commit()
    poll_printers()
    manager_token = create_api_token(user=manager)[1]
    member_token = create_api_token(user=member)[1]
    db.session.commit()

    answer = client.get(
        "/api/v1/usage/printer-links", headers={"Authorization": f"Bearer {manager_token}"}
    )
    assert answer.status_code == 200
    [link] = answer.get_json()
    assert link["machine_id"] == printer.id and link["kind"] == "moonraker"
    assert link["last_error"] == "Cannot reach the printer's server."
    assert "refused" in link["last_error_detail"]
    assert "secret-key" not in answer.text
    refused = client.get(
        "/api/v1/usage/printer-links", headers={"Authorization": f"Bearer {member_token}"}
    )
    assert refused.status_code == 403
    document = client.get("/api/v1/openapi.json").get_json()
    assert "get" in document["paths"]["/api/v1/usage/printer-links"]
    assert "PrinterLink" in document["components"]["schemas"]
