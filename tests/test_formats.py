# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Dates and times: en-GB conventions in English (24-hour clock, day before month), French
in French, in the lab's zone, without seconds: on pages and in mails."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from flask_babel import force_locale

from fablab.bookings.services import create_reservation
from fablab.formatting import format_date, format_datetime, format_time, quantity_with_unit
from fablab.transaction import commit
from tests.bookings_fixtures import NOW, open_lab, paris, printer  # noqa: F401

SIX_PM_PARIS = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)  # 18:00 in Paris (winter)


@pytest.mark.parametrize(
    ("language", "medium", "short", "full"),
    [
        ("en", "10 Dec 2026, 18:00", "10/12/2026, 18:00", "Thursday, 10 December 2026, 18:00"),
        ("fr", "10 déc. 2026, 18:00", "10/12/2026 18:00", "jeudi 10 décembre 2026, 18:00"),
    ],
)
def test_each_language_writes_dates_its_way(app, lab_settings, language, medium, short, full):
    with force_locale(language):
        assert format_datetime(SIX_PM_PARIS, "medium") == medium
        assert format_datetime(SIX_PM_PARIS, "short") == short
        assert format_datetime(SIX_PM_PARIS, "full").replace(" à ", ", ") == full
        assert format_time(SIX_PM_PARIS) == "18:00"
        assert format_date(SIX_PM_PARIS, "short") == "10/12/2026"


def test_the_english_convention_is_a_setting(app, lab_settings, monkeypatch):
    monkeypatch.setitem(app.config, "FABLAB_FORMAT_LOCALE_EN", "en_US")
    with force_locale("en"):
        assert format_datetime(SIX_PM_PARIS, "medium") == "Dec 10, 2026, 6:00\u202fPM"


def test_quantities_carry_their_unit(app):
    with force_locale("en"):
        assert quantity_with_unit(2000, "sheet") == "2\u00a0sheets"
        assert quantity_with_unit(1000, "sheet") == "1\u00a0sheet"
        assert quantity_with_unit(12500, "gram") == "12.5\u00a0g"
        assert quantity_with_unit(4000, "15 min") == "4\u00a0× 15 min"
    with force_locale("fr"):
        assert quantity_with_unit(12500, "gram") == "12,5\u00a0g"


def test_english_pages_use_the_24_hour_clock_and_day_month_order(
    client, login_as, manager, member, make_machine, lab_settings
):
    machine = make_machine(name="Ultimaker", consumable_unit="gram", consumable_rate_cents=5)
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), tick=True):
        login_as(manager)
        client.post(
            "/usage/sessions/new",
            data={
                "machine_id": machine.id,
                "user_email": member.email,
                "started_at": "2026-11-18T14:00",
                "ended_at": "2026-11-18T18:30",
                "consumables": "12.5",
                "reason": "Paper log",
            },
        )
        english = client.get("/usage/sessions")  # the manager's profile says English
        with client.session_transaction() as session:
            session["locale"] = "fr"  # the language switch in the header
        french = client.get("/usage/sessions")
    english, french = english.get_data(as_text=True), french.get_data(as_text=True)
    assert "18/11/2026, 14:00" in english and "18/11/2026, 18:30" in english
    assert "12.5\u00a0g" in english
    assert not re.search(r"\b(AM|PM)\b", english) and "11/18/26" not in english
    assert "18/11/2026 14:00" in french and "12,5\u00a0g" in french


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "From Wednesday, 3 March 2027, 14:00 to Wednesday, 3 March 2027, 16:00"),
        ("fr", "mercredi 3 mars 2027, 14:00"),
    ],
)
def test_mails_use_the_recipients_conventions(app, make_user, printer, outbox, language, expected):
    person = make_user(locale=language)
    with app.test_request_context():
        create_reservation(
            machine=printer,
            user=person,
            start=paris(2027, 3, 3, 14, 0),
            end=paris(2027, 3, 3, 16, 0),
            now=NOW,
        )
        commit()
    (mail,) = outbox
    assert expected in mail.body
    assert not re.search(r"\b(AM|PM)\b|:00:00", mail.body)


def test_dates_are_formatted_in_one_place():
    """Every date shown goes through fablab/formatting.py: nobody formats with Babel directly."""
    root = Path(__file__).resolve().parent.parent / "fablab"
    direct = re.compile(
        r"from (flask_babel|babel\.dates|babel) import [^\n]*\bformat_(datetime|date|time)\b"
    )
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "formatting.py" and direct.search(path.read_text())
    ]
    assert offenders == []
