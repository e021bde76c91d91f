# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Long booking lists as a manager and an integrator meet them: pages, search, CSV, API."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from fablab.bookings.models import Reservation
from tests.bookings_fixtures import book, frozen, open_lab, paris  # noqa: F401

ROW = re.compile(r'<tr id="reservation-(\d+)"')


@pytest.fixture
def history(db, book, manager, make_user, make_machine, open_lab):
    """120 bookings: three machines booked at the same hours (equal start times), 40 slots."""
    machines = [make_machine(name=f"Printer {n}") for n in range(3)]
    people = [
        make_user(name="Ada Lovelace", email="ada@example.org"),
        make_user(name="Alan Turing", email="alan@example.org"),
        make_user(name="Grace Hopper", email="grace@example.org"),
    ]
    first = paris(2027, 3, 2, 9, 0)
    for slot in range(40):
        start = first + timedelta(days=slot // 4, hours=2 * (slot % 4))
        for n, machine in enumerate(machines):
            book(machine, people[(slot + n) % 3], start, start + timedelta(hours=1))
    return machines, people


def in_list_order(db, newest_first=True, **where) -> list[int]:
    query = sa.select(Reservation.id).filter_by(**where)
    if newest_first:
        query = query.order_by(Reservation.start_at.desc(), Reservation.id.desc())
    else:
        query = query.order_by(Reservation.start_at, Reservation.id)
    return list(db.session.scalars(query))


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, url: str, rel: str = "next") -> list[list[int]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        pages.append([int(n) for n in ROW.findall(html)])
        url = link(html, rel)
    return pages


def test_the_manager_walks_every_booking_once_newest_first(db, login_as, manager, history, frozen):
    client = login_as(manager)
    first = client.get("/bookings/manage").get_data(as_text=True)
    assert "120 bookings, newest first." in first
    assert link(first, "prev") is None and link(first, "first") is None

    pages = walk(client, "/bookings/manage")

    assert [len(p) for p in pages] == [50, 50, 20]
    assert [n for page in pages for n in page] == in_list_order(db)
    last = client.get(link(client.get(link(first, "next")).get_data(as_text=True), "next"))
    assert link(last.get_data(as_text=True), "next") is None
    back = walk(client, link(last.get_data(as_text=True), "prev"), rel="prev")
    assert back == [pages[1], pages[0]]


def test_filters_stay_on_every_page_and_the_total_is_exact(db, login_as, manager, history, frozen):
    machines, _people = history
    client = login_as(manager)
    url = f"/bookings/manage?machine_id={machines[1].id}&status=confirmed"

    html = client.get(url).get_data(as_text=True)
    assert "40 bookings, newest first." in html
    pages = walk(client, url)
    assert [n for page in pages for n in page] == in_list_order(db, machine_id=machines[1].id)
    by_date = walk(client, "/bookings/manage?start=2027-03-02&end=2027-03-02")
    assert len(by_date[0]) == 12


def test_a_long_list_says_more_than_without_counting_it_all(db, manager, history):
    from fablab.bookings.listing import count_of
    from fablab.bookings.queries import filtered_reservations

    everything = filtered_reservations(viewer=manager)
    assert count_of(everything) == 120
    assert count_of(everything, cap=100) == 101  # read no further than "more than 100"


def test_a_bad_page_link_starts_again_from_the_first_page(login_as, manager, history, frozen):
    response = login_as(manager).get("/bookings/manage?cursor=not-a-cursor")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This page link is not valid" in html
    assert len(ROW.findall(html)) == 50


def test_the_person_box_takes_an_email_a_picked_name_or_part_of_a_name(
    db, login_as, manager, history, frozen
):
    _machines, (ada, alan, grace) = history
    client = login_as(manager)

    def people_in(url):
        html = client.get(url).get_data(as_text=True)
        ids = [int(n) for n in ROW.findall(html)]
        owners = db.session.scalars(sa.select(Reservation.user_id).where(Reservation.id.in_(ids)))
        return set(owners), html

    assert people_in("/bookings/manage?person=GRACE@example.org")[0] == {grace.id}
    assert people_in("/bookings/manage?person=Ada+Lovelace+<ada@example.org>")[0] == {ada.id}
    assert people_in("/bookings/manage?person=turing")[0] == {alan.id}
    assert people_in("/bookings/manage?person=al")[0] == {alan.id}
    several, html = people_in("/bookings/manage?person=example.org")
    assert several == {ada.id, alan.id, grace.id}
    assert "4 people match" in html  # the manager too, who booked nothing
    assert "/bookings/manage?person=grace@example.org" in html
    nobody, html = people_in("/bookings/manage?person=nobody-here")
    assert nobody == set() and "Nobody matches" in html
    assert 'id="no-bookings"' in html


def test_the_person_search_lists_no_one_else_in_the_page(login_as, manager, history, frozen):
    html = login_as(manager).get("/bookings/manage").get_data(as_text=True)
    # No drop-down of every user: the suggestions list starts empty.
    assert re.search(r'<datalist id="people-list"[^>]*>\s*</datalist>', html)
    assert 'name="person"' in html and 'list="people-list"' in html


def test_the_csv_export_holds_the_whole_filtered_list(db, login_as, manager, history, frozen):
    machines, (ada, _alan, _grace) = history
    client = login_as(manager)
    page = client.get(f"/bookings/manage?person={ada.email}").get_data(as_text=True)
    export = re.search(r'href="([^"]+)" id="export-csv"', page).group(1).replace("&amp;", "&")

    response = client.get(export)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["id"]) for r in rows] == in_list_order(db, user_id=ada.id)
    assert {r["email"] for r in rows} == {ada.email} and len(rows) == 40
    assert rows[-1]["start"] == "2027-03-02T09:00+01:00"
    everything = client.get("/bookings/manage/export.csv").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(everything)))) == 120
    several = client.get("/bookings/manage/export.csv?person=a").get_data(as_text=True)
    assert {r["email"] for r in csv.DictReader(io.StringIO(several))} == {
        "ada@example.org",
        "alan@example.org",
        "grace@example.org",
    }


def test_the_csv_export_never_hands_a_formula_to_a_spreadsheet(
    db, login_as, manager, member, book, open_lab, make_machine, frozen
):
    book(make_machine(), member, paris(2027, 3, 3, 10), paris(2027, 3, 3, 11), note="=HYPERLINK(1)")
    text = login_as(manager).get("/bookings/manage/export.csv").get_data(as_text=True)
    [row] = csv.DictReader(io.StringIO(text))
    assert row["note"] == "'=HYPERLINK(1)"


def test_members_cannot_list_or_export_all_bookings(login_as, member, history):
    client = login_as(member)
    assert client.get("/bookings/manage").status_code == 403
    assert client.get("/bookings/manage/export.csv").status_code == 403


# -- the API ----------------------------------------------------------------------


def api_walk(client, url: str) -> list[list[dict]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        pages.append(response.get_json())
        next_link = response.headers.get("Link")
        if next_link is None:
            assert "X-Next-Cursor" not in response.headers
            break
        assert next_link.endswith('>; rel="next"')
        assert response.headers["X-Next-Cursor"] in next_link
        target = urlsplit(next_link[1 : next_link.index(">")])
        url = f"{target.path}?{target.query}"
    return pages


def test_the_api_pages_newest_first_for_a_manager(db, login_as, manager, history, frozen):
    client = login_as(manager)

    pages = api_walk(client, "/api/v1/reservations?limit=25")

    assert [len(p) for p in pages] == [25, 25, 25, 25, 20]
    assert [r["id"] for page in pages for r in page] == in_list_order(db)
    default = client.get("/api/v1/reservations")
    assert len(default.get_json()) == 100 and "X-Next-Cursor" in default.headers
    oldest = api_walk(client, "/api/v1/reservations?order=oldest&limit=50")
    assert [r["id"] for p in oldest for r in p] == in_list_order(db, newest_first=False)


def test_the_api_keeps_filters_across_pages_and_members_see_theirs_oldest_first(
    db, login_as, manager, history, frozen
):
    machines, (ada, _alan, _grace) = history
    by_machine = api_walk(
        login_as(manager), f"/api/v1/reservations?machine_id={machines[0].id}&limit=15"
    )
    assert [r["id"] for p in by_machine for r in p] == in_list_order(db, machine_id=machines[0].id)
    mine = api_walk(login_as(ada), "/api/v1/reservations?limit=15")
    assert [r["id"] for p in mine for r in p] == in_list_order(
        db, newest_first=False, user_id=ada.id
    )


def test_the_api_refuses_bad_paging(login_as, manager, history, frozen):
    client = login_as(manager)
    cursor = client.get("/api/v1/reservations?limit=2").headers["X-Next-Cursor"]

    assert client.get("/api/v1/reservations?limit=501").status_code == 422
    assert client.get("/api/v1/reservations?limit=0").status_code == 422
    bad = client.get("/api/v1/reservations?cursor=xyz")
    assert bad.status_code == 422 and bad.get_json()["field"] == "cursor"
    assert client.get(f"/api/v1/reservations?cursor={cursor}&order=oldest").status_code == 422
    for forged in (b"dn.1.99999999999", b"dn.99999999999999999999.1", b"xx.1.1", b"dn.1"):
        token = base64.urlsafe_b64encode(forged).decode()
        assert client.get(f"/api/v1/reservations?cursor={token}").status_code == 422
    assert len(client.get(f"/api/v1/reservations?cursor={cursor}&limit=3").get_json()) == 3


def test_the_users_search_is_for_managers_only(
    db, client, login_as, manager, member, make_user, make_company
):
    company = make_company(legal_name="Demo Industries")
    make_user(name="Zoé Employée", email="zoe@demo.example", company=company)
    make_user(name="Zoltan Gone", email="zoltan@example.org", active=False)

    assert client.get("/api/v1/users?q=zo").status_code == 401
    assert login_as(member).get("/api/v1/users?q=zo").status_code == 403
    manager_client = login_as(manager)
    found = manager_client.get("/api/v1/users?q=ZO").get_json()
    assert [(p["name"], p["email"], p["company"]) for p in found] == [
        ("Zoé Employée", "zoe@demo.example", "Demo Industries")
    ]
    with_gone = manager_client.get("/api/v1/users?q=zo&include_inactive=true").get_json()
    assert {p["email"] for p in with_gone} == {"zoe@demo.example", "zoltan@example.org"}
    assert manager_client.get("/api/v1/users?q=z").status_code == 422
    assert manager_client.get("/api/v1/users?q=a%25").get_json() == []


def test_the_openapi_document_lists_the_search_and_the_paging(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/users"]
    listing = paths["/api/v1/reservations"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"cursor", "limit", "order"}
    assert {"Link", "X-Next-Cursor"} <= set(listing["responses"]["200"]["headers"])


# -- booking for someone ----------------------------------------------------------


def booking_for(person: str, **extra) -> dict:
    return {
        "day": "2027-03-02",
        "start_time": "10:00",
        "end_time": "11:00",
        "person": person,
        **extra,
    }


def test_the_manager_books_for_a_person_typed_or_picked(
    db, login_as, manager, make_user, make_machine, open_lab, frozen
):
    machine = make_machine()
    ada = make_user(name="Ada Lovelace", email="ada@example.org")
    make_user(name="Adam Smith", email="adam@example.org")
    client = login_as(manager)
    page = client.get("/bookings/manage/new").get_data(as_text=True)
    assert 'list="people-list"' in page and "ada@example.org" not in page

    several = client.post("/bookings/manage/new", data=booking_for("ada", machine_id=machine.id))
    html = several.get_data(as_text=True)
    assert several.status_code == 422 and "2 people match" in html
    assert '<option value="Ada Lovelace &lt;ada@example.org&gt;">' in html
    nobody = client.post("/bookings/manage/new", data=booking_for("zzz", machine_id=machine.id))
    assert nobody.status_code == 422 and "Nobody matches" in nobody.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Reservation.id))) == 0

    picked = client.post(
        "/bookings/manage/new",
        data=booking_for("Ada Lovelace <ada@example.org>", machine_id=machine.id),
    )
    assert picked.status_code == 302
    typed = client.post(
        "/bookings/manage/new",
        data=booking_for("lovelace", machine_id=machine.id, start_time="12:00", end_time="13:00"),
    )
    assert typed.status_code == 302
    owners = db.session.scalars(sa.select(Reservation.user_id))
    assert list(owners) == [ada.id, ada.id]


def test_an_inactive_person_cannot_be_booked_for(
    db, login_as, manager, make_user, make_machine, open_lab, frozen
):
    machine = make_machine()
    gone = make_user(name="Gone Person", email="gone@example.org", active=False)
    client = login_as(manager)
    for data in (booking_for(gone.email), booking_for("", user_id=gone.id)):
        response = client.post("/bookings/manage/new", data={**data, "machine_id": machine.id})
        assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Reservation.id))) == 0
