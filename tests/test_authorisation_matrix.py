"""Who may call what: every route of the URL map, as eight people, against a table.

The table (ACCESS below) has one row per endpoint: what each persona gets.
Personas: anonymous, member A, member B, employee of company X, employee of
company Y, the contact of company X, a manager and an admin. Resources named in
a URL belong to A (a booking, an invoice, a registration…) or to company X, so
B and Y asking for them must be refused (403 or 404), never served.

A new route without a row fails with its endpoint's name. No route may answer
5xx. POSTs carry no body: an allowed persona may get a form error (200, 400,
422, a redirect); a refused one is refused before the body is read.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from fablab.accounts.companies import invite_employee
from fablab.accounts.models import Company, User
from fablab.accounts.tokens import create_api_token
from fablab.database import use_deferred_transactions
from fablab.extensions import db as _db
from fablab.extensions import limiter
from fablab.seed import seed_demo
from fablab.timeutil import utcnow
from fablab.transaction import commit
from tests.conftest import TEST_PASSWORD, _lab_identity, empty_database
from tests.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe

PERSONAS = ("anon", "a", "b", "x", "y", "cx", "manager", "admin")
# Refused personas ask first, so an allowed one acting (cancel, delete) changes nothing they see.
ORDER = ("anon", "b", "y", "x", "cx", "a", "manager", "admin")

OK, LOGIN, FORBIDDEN, NOT_FOUND, DENIED = "ok", "login", "403", "404", "denied"


def row(anon=LOGIN, a=OK, b=OK, x=OK, y=OK, cx=OK, manager=OK, admin=OK) -> dict:
    return dict(anon=anon, a=a, b=b, x=x, y=y, cx=cx, manager=manager, admin=admin)


PUBLIC = row(anon=OK)
SIGNED_IN = row()
MANAGERS = row(a=FORBIDDEN, b=FORBIDDEN, x=FORBIDDEN, y=FORBIDDEN, cx=FORBIDDEN)
# A's own resource: A and the lab's staff; anyone else is refused (403 or 404).
OF_A = row(b=DENIED, x=DENIED, y=DENIED, cx=DENIED)
# Only A, not even the staff (A's API tokens, A's place in a waiting line).
A_ONLY = row(b=DENIED, x=DENIED, y=DENIED, cx=DENIED, manager=DENIED, admin=DENIED)
# Company X's page for its contact (the staff have their own pages for companies).
CONTACT_OF_X = row(
    a=FORBIDDEN, b=FORBIDDEN, x=FORBIDDEN, y=FORBIDDEN, manager=FORBIDDEN, admin=FORBIDDEN
)
# Where the demo lab has no such object (or the manager's delete, just before, removed
# it for the admin): the others are still refused first, and nobody gets a 5xx.
MANAGERS_NO_SUCH_OBJECT = {**MANAGERS, "manager": NOT_FOUND, "admin": NOT_FOUND}
# A manager's delete: the admin, who asks next, finds it gone.
MANAGERS_DELETE = {**MANAGERS, "admin": NOT_FOUND}
SIGNED_IN_NO_SUCH_OBJECT = {**row(), **{p: NOT_FOUND for p in PERSONAS if p != "anon"}}
# The same 404 for everyone: a secret link whose token is wrong here, or a file or
# object the demo lab has none of (still: no login asked, no 5xx).
NOWHERE = {p: NOT_FOUND for p in PERSONAS}

# One row per endpoint ("endpoint METHOD" when its methods differ).
ACCESS: dict[str, dict] = {
    "accounts.change_password": SIGNED_IN,
    "accounts.company_detail": MANAGERS,
    "accounts.contact_cancel_invitation": CONTACT_OF_X,
    "accounts.contact_invite": CONTACT_OF_X,
    "accounts.contact_remove_employee": CONTACT_OF_X,
    "accounts.create_token": SIGNED_IN,
    "accounts.deactivate_user": MANAGERS,
    "accounts.edit_company": MANAGERS,
    "accounts.edit_user": MANAGERS,
    "accounts.forgot_password": PUBLIC,
    "accounts.join_company": NOWHERE,
    "accounts.login": PUBLIC,
    "accounts.logout": PUBLIC,
    "accounts.manage_companies": MANAGERS,
    "accounts.manage_users": MANAGERS,
    "accounts.manager_cancel_invitation": MANAGERS_NO_SUCH_OBJECT,
    "accounts.manager_invite": MANAGERS,
    "accounts.manager_remove_employee": MANAGERS_NO_SUCH_OBJECT,
    "accounts.my_company": CONTACT_OF_X,
    "accounts.new_company": MANAGERS,
    "accounts.profile": SIGNED_IN,
    "accounts.reactivate_user": MANAGERS,
    "accounts.reset_password": PUBLIC,
    "accounts.revoke_token": A_ONLY,
    "accounts.signup": PUBLIC,
    "accounts.finish_signup": PUBLIC,
    "accounts.update_profile": SIGNED_IN,
    "api.accounting_closings": MANAGERS,
    "api.accounting_fec": MANAGERS,
    "api.accounting_vat": MANAGERS,
    "api.answer_quote": SIGNED_IN_NO_SUCH_OBJECT,
    "api.buy_membership": SIGNED_IN,
    "api.buy_pack": SIGNED_IN,
    "api.cancel_reservation_api": OF_A,
    "api.checkout_status_api": OF_A,
    "api.refund_checkout_api": MANAGERS,
    "api.create_calendar_subscription": MANAGERS,
    "api.create_recurring_api": SIGNED_IN,
    "api.create_registration": SIGNED_IN,
    "api.create_reservation_api": SIGNED_IN,
    "api.delete_calendar_subscription": MANAGERS_NO_SUCH_OBJECT,
    "api.lab": PUBLIC,
    "api.list_calendar_subscriptions": MANAGERS,
    "api.list_events": PUBLIC,
    "api.list_outbox": MANAGERS,
    "api.list_reservations_api": SIGNED_IN,
    "api.machine": PUBLIC,
    "api.machine_availability": PUBLIC,
    "api.machine_quote": PUBLIC,
    "api.machines": PUBLIC,
    "api.mark_attended_api": MANAGERS,
    "api.me": SIGNED_IN,
    "api.my_invoices": SIGNED_IN,
    "api.my_mails": SIGNED_IN,
    "api.my_packs": SIGNED_IN,
    "api.offer": PUBLIC,
    "api.openapi": PUBLIC,
    "api.pay_invoice_api": OF_A,
    "api.pay_registration_api": SIGNED_IN,
    "api.pay_slot_api": SIGNED_IN,
    "api.refresh_calendar_subscription": MANAGERS_NO_SUCH_OBJECT,
    "api.report_summary": MANAGERS,
    "api.resend_outbox_message": MANAGERS,
    "api.rotate_calendar_token": SIGNED_IN,
    "api.search_users": MANAGERS,
    "api.usage_list": SIGNED_IN,
    "api.usage_printer_links": MANAGERS,
    "api.usage_start": SIGNED_IN,
    "api.usage_stop": OF_A,
    "billing.accounting": MANAGERS,
    "billing.accounting_archive": MANAGERS_NO_SUCH_OBJECT,
    "billing.accounting_chart": MANAGERS,
    "billing.accounting_close": MANAGERS,
    "billing.accounting_closing": MANAGERS_NO_SUCH_OBJECT,
    "billing.accounting_fec": MANAGERS,
    "billing.accounting_journal_csv": MANAGERS,
    "billing.add_payment": MANAGERS,
    "billing.credit_note": MANAGERS,
    "billing.dashboard": MANAGERS,
    "billing.exports_page": MANAGERS,
    "billing.invoice_customer": MANAGERS,
    "billing.invoice_customer_preview": MANAGERS,
    "billing.run_preview": MANAGERS,
    "billing.invoice_detail": OF_A,
    "billing.invoice_pdf_download": OF_A,
    "billing.invoices": MANAGERS,
    "billing.journal_csv": MANAGERS,
    "billing.memberships": MANAGERS,
    "billing.my_invoices": SIGNED_IN,
    "billing.new_charge": MANAGERS,
    "billing.payments": MANAGERS,
    "billing.remind": MANAGERS,
    "billing.run_month": MANAGERS,
    "billing.settings": MANAGERS,
    "billing.unpaid": MANAGERS,
    "billing.vat_csv": MANAGERS,
    "billing.verify": MANAGERS,
    "booking_ops.kiosk": PUBLIC,
    "booking_ops.kiosk_check_in": PUBLIC,
    "booking_ops.kiosk_manifest": PUBLIC,
    "booking_ops.kiosk_index": MANAGERS,
    "booking_ops.kiosk_qr": MANAGERS,
    "booking_ops.my_waitlist": SIGNED_IN,
    # Weekly bookings: the staff and company contacts.
    "booking_ops.recurring": row(a=FORBIDDEN, b=FORBIDDEN, x=FORBIDDEN, y=FORBIDDEN),
    "booking_ops.waitlist_claim": A_ONLY,
    "booking_ops.waitlist_join": SIGNED_IN_NO_SUCH_OBJECT,
    "booking_ops.waitlist_leave": A_ONLY,
    "bookings.book": SIGNED_IN,
    "bookings.book_for_someone": MANAGERS,
    "bookings.cancel": OF_A,
    "bookings.day_overview": SIGNED_IN,
    "bookings.export_bookings": MANAGERS,
    "bookings.manage": MANAGERS,
    "bookings.mark_attended": MANAGERS,
    "bookings.mine": SIGNED_IN,
    "bookings.move": OF_A,
    "bookings.week": SIGNED_IN,
    "calendars.company_feed": NOWHERE,
    "calendars.delete_import": MANAGERS_NO_SUCH_OBJECT,
    "calendars.events_feed": PUBLIC,
    "calendars.imports_page": MANAGERS,
    "calendars.machine_feed": PUBLIC,
    "calendars.refresh_import": MANAGERS_NO_SUCH_OBJECT,
    "calendars.revoke_company": CONTACT_OF_X,
    "calendars.revoke_personal": SIGNED_IN,
    "calendars.subscriptions_page": SIGNED_IN,
    "calendars.user_feed": NOWHERE,
    "events.cancel": MANAGERS,
    "events.cancel_by_token": NOWHERE,
    "events.cancel_mine": OF_A,
    "events.checkin": MANAGERS,
    "events.confirm": NOWHERE,
    "events.create": MANAGERS,
    "events.detail": PUBLIC,
    "events.edit": MANAGERS,
    "events.index": PUBLIC,
    "events.manage": NOWHERE,
    "events.manage_list": MANAGERS,
    "events.partners_page": MANAGERS,
    "events.partner_edit": MANAGERS,
    "events.partner_delete": MANAGERS,
    "events.mine": SIGNED_IN,
    "events.publish": MANAGERS,
    "events.record_checkin": MANAGERS,
    "events.register": PUBLIC,
    "events.registered": PUBLIC,
    "events.registrations": MANAGERS,
    "events.registrations_csv": MANAGERS,
    "events.walk_in": MANAGERS,
    "health.healthz": PUBLIC,
    "health.readyz": PUBLIC,
    "machines.closures": MANAGERS,
    "machines.create": MANAGERS,
    "machines.delete": MANAGERS,
    "machines.delete_closure": MANAGERS_DELETE,
    "machines.detail": PUBLIC,
    "machines.edit": MANAGERS,
    "machines.edit_qualification": MANAGERS,
    "machines.index": PUBLIC,
    "machines.opening_hours": MANAGERS,
    "machines.photo": NOWHERE,
    "machines.qualification": MANAGERS,
    "machines.qualifications": MANAGERS,
    "machines.retire": MANAGERS,
    "machines.revoke": MANAGERS_NO_SUCH_OBJECT,
    "machines.settings": MANAGERS,
    "main.index": PUBLIC,
    "main.manifest": PUBLIC,
    "main.set_language": PUBLIC,
    "network.add": MANAGERS,
    "network.events_feed": PUBLIC,
    "network.events_page": PUBLIC,
    "network.figures_json": PUBLIC,
    "network.finder": PUBLIC,
    "network.lab_page": NOWHERE,
    "network.manage": MANAGERS,
    "network.refresh": MANAGERS,
    "network.regional": PUBLIC,
    "network.remove": MANAGERS_NO_SUCH_OBJECT,
    "outbox.manage": MANAGERS,
    "outbox.mine": SIGNED_IN,
    "outbox.resend_message": MANAGERS,
    "payments.buy_pack": SIGNED_IN,
    "payments.buy_plan": SIGNED_IN,
    "payments.checkout_return": SIGNED_IN_NO_SUCH_OBJECT,
    "payments.manage_payment": MANAGERS,
    "payments.manage_payments": MANAGERS,
    "payments.manage_reconcile": MANAGERS,
    "payments.my_offer": SIGNED_IN,
    "payments.my_payments": SIGNED_IN,
    "payments.offer_manage": MANAGERS,
    "payments.offer_sell": MANAGERS,
    "payments.pack_product_edit": MANAGERS,
    "payments.paid_events": MANAGERS,
    "payments.pay_invoice": OF_A,
    "payments.pay_quote": SIGNED_IN_NO_SUCH_OBJECT,
    "payments.payment_settings": MANAGERS,
    "payments.plan_edit": MANAGERS,
    "payments.quote_deposit": MANAGERS,
    "payments.quote_detail": MANAGERS,
    "payments.quote_invoice": MANAGERS,
    "payments.quote_pdf_download": MANAGERS_NO_SUCH_OBJECT,
    "payments.quote_pipeline": MANAGERS,
    "payments.quote_public": NOWHERE,
    "payments.quote_public_pdf": NOWHERE,
    "payments.quote_request": PUBLIC,
    "payments.quote_send": MANAGERS,
    "payments.service_edit": MANAGERS,
    "payments.stripe_webhook": PUBLIC,
    "payments.toggle_pay_at_desk": MANAGERS,
    "public.activity_csv": PUBLIC,
    "public.activity_json": PUBLIC,
    "public.catalogue": PUBLIC,
    "public.lab_json": PUBLIC,
    "public.manage_open_data": MANAGERS,
    "public.save_materials": MANAGERS,
    "public.save_open_data": MANAGERS,
    "public.schema": PUBLIC,
    "public.widget": PUBLIC,
    "public.widget_json": PUBLIC,
    "reports.cost_add": MANAGERS,
    "reports.cost_delete": MANAGERS_DELETE,
    "reports.costs_page": MANAGERS,
    "reports.dashboard": MANAGERS,
    "reports.export": MANAGERS,
    "reports.funder": MANAGERS,
    "reports.funder_pdf": MANAGERS,
    "reports.grant_add": MANAGERS,
    "reports.grant_delete": MANAGERS_DELETE,
    "reports.scenario_delete": MANAGERS_DELETE,
    "reports.scenarios": MANAGERS,
    "static": NOWHERE,
    "usage.approve": MANAGERS,
    "usage.create_token": MANAGERS,
    "usage.devices": MANAGERS,
    "usage.devices_health": MANAGERS,
    "usage.export_sessions": MANAGERS,
    "usage.kiosk": SIGNED_IN,
    "usage.kiosk_start": SIGNED_IN,
    "usage.mine": SIGNED_IN,
    "usage.new_session": MANAGERS,
    "usage.remove_octoprint": MANAGERS,
    "usage.review": MANAGERS,
    "usage.revoke_token": MANAGERS,
    "usage.save_octoprint": MANAGERS,
    "usage.session_detail GET": OF_A,
    # A correction of a session is the manager's (A asks one through them).
    "usage.session_detail POST": row(
        a=FORBIDDEN, b=NOT_FOUND, x=NOT_FOUND, y=NOT_FOUND, cx=NOT_FOUND
    ),
    "usage.sessions": MANAGERS,
    "usage.stop": OF_A,
}


def outcome(path: str, response) -> str:
    status = response.status_code
    if status >= 500:
        return f"5xx ({status})"
    if status == 401 and path.startswith("/api/"):
        return LOGIN
    if status in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return LOGIN
    if status in (403, 404):
        return str(status)
    return OK


def matches(expected: str, got: str) -> bool:
    if expected == DENIED:
        return got in (FORBIDDEN, NOT_FOUND)
    return expected == got


def all_routes(app) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule.rule))
    return sorted(routes, key=lambda r: (r[1] != "GET", r[0], r[2]))


# --- the world ---------------------------------------------------------------------------------


def _user(email: str, **values) -> User:
    user = User(email=email, name=email.split("@")[0], locale="en", **values)
    user.password_hash = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1000")
    _db.session.add(user)
    return user


def _by_email(email: str) -> User:
    return _db.session.scalar(sa.select(User).where(User.email == email))


def _first(sql: str, **params) -> int | None:
    return _db.session.execute(sa.text(sql + " ORDER BY id LIMIT 1"), params).scalar()


class World:
    """The demo lab (built by the app's own seeding services) and the eight people."""

    def __init__(self):
        seed_demo()
        company_x = _db.session.scalar(
            sa.select(Company).where(Company.legal_name == "Demo Industries")
        )
        company_y = Company(
            legal_name="Other Company",
            siret="12345678900015",
            billing_address="2 rue Ailleurs\n75002 Paris",
            contact_email="billing@other.example",
        )
        _db.session.add(company_y)
        self.users = {
            "a": _by_email("member@example.org"),
            "b": _user("member-b@example.org", role="member", category="member"),
            "x": _user("employee-x@example.org", company=company_x, category="company"),
            "y": _user("employee-y@example.org", company=company_y, category="company"),
            "cx": _by_email("employee@example.org"),
            "manager": _by_email("manager@example.org"),
            "admin": _user("admin@example.org", role="admin", category="member"),
        }
        self.company_x, self.company_y = company_x, company_y
        # Whom the staff and X's contact deactivate or remove: not one of the personas.
        self.victim = _user("employee-x2@example.org", company=company_x, category="company")
        commit()
        self.tokens = {}
        for name, user in self.users.items():
            _, secret = create_api_token(user=user, name="matrix")
            self.tokens[name] = secret
        self.spare_token, _ = create_api_token(user=self.users["a"], name="to revoke")
        commit()
        self.extra = self._owned_things()
        self.ids = self._ids()

    def _owned_things(self) -> dict:
        """What the seed lacks, made by the app's services: A waiting for B's slot, an
        invitation from X's contact, a device token."""
        from fablab.bookings.services import create_reservation
        from fablab.bookings.waitlist import join_waitlist
        from fablab.machines.models import Machine
        from fablab.usage.devices import create_device_token

        printer = _db.session.scalar(
            sa.select(Machine).where(Machine.kind == "3d_printer").order_by(Machine.id)
        )
        start = utcnow().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=9)
        end = start + timedelta(hours=1)
        create_reservation(
            machine=printer,
            user=self.users["b"],
            start=start,
            end=end,
            by=self.users["manager"],
            override_rules=True,
        )
        entry = join_waitlist(machine=printer, user=self.users["a"], start=start, end=end)
        invitation = invite_employee(
            company=self.company_x, email="newcomer@example.org", invited_by=self.users["cx"]
        )
        device_token, _ = create_device_token(machine=printer, label="matrix")
        commit()
        return {
            "checkout_id": self._checkout_of_a(),
            "entry_id": entry.id,
            "invitation_id": invitation.id,
            "device_token": device_token.id,
            "printer": printer.id,
        }

    def _checkout_of_a(self) -> int:
        """A pays one of their invoices by card (the checkout is left open)."""
        from fablab.billing.models import Invoice
        from fablab.errors import DomainError
        from fablab.payments.invoice_payment import pay_invoice_by_card

        invoices = _db.session.scalars(
            sa.select(Invoice).where(Invoice.user_id == self.users["a"].id).order_by(Invoice.id)
        )
        for invoice in invoices:
            try:
                record = pay_invoice_by_card(
                    invoice=invoice,
                    user=self.users["a"],
                    success_url="http://localhost/invoices/mine",
                    cancel_url="http://localhost/invoices/mine",
                )
            except DomainError:
                continue  # paid already
            commit()
            return record.id
        raise AssertionError("the demo lab gives member A no invoice left to pay")

    def _ids(self) -> dict:
        a, x = self.users["a"].id, self.company_x.id
        now = utcnow()
        found = {
            "reservation_id": _first(
                "SELECT id FROM reservations WHERE user_id = :a AND status = 'confirmed'"
                " AND start_at > :now",
                a=a,
                now=now + timedelta(days=2),
            ),
            "invoice_id": _first("SELECT id FROM invoices WHERE user_id = :a", a=a),
            "registration_id": _first("SELECT id FROM event_registrations WHERE user_id = :a", a=a),
            "session_id": _first("SELECT id FROM usage_sessions WHERE user_id = :a", a=a),
            "checkout_id": self.extra["checkout_id"],
            "entry_id": self.extra["entry_id"],
            "token_id": self.spare_token.id,
            "company_id": x,
            "invitation_id": self.extra["invitation_id"],
            "user_id": self.victim.id,
            "quote_id": _first("SELECT id FROM quotes"),
            "event_id": _first("SELECT id FROM events WHERE status = 'published'"),
            "machine_id": _first("SELECT id FROM machines"),
            "closure_id": _first("SELECT id FROM closures"),
            "qualification_id": _first("SELECT id FROM qualifications"),
            "subscription_id": _first("SELECT id FROM calendar_subscriptions"),
            "message_id": _first("SELECT id FROM outbox"),
            "closing_id": _first("SELECT id FROM accounting_closings"),
            "lab_id": _first("SELECT id FROM network_labs"),
            "record_id": _first("SELECT id FROM payments"),
            "product_id": _first("SELECT id FROM pack_products"),
            "plan_id": _first("SELECT id FROM plans"),
            "service_id": _first("SELECT id FROM catalogue_services"),
            "cost_id": _first("SELECT id FROM lab_costs"),
            "grant_id": _first("SELECT id FROM grants"),
            "scenario_id": _first("SELECT id FROM pricing_scenarios"),
            "partner_id": _first("SELECT id FROM partner_organisations"),
            "ident": a,
            "kind": "user",
            "token": "not-a-real-token",
            "filename": "none.jpg",
            "name": "activity",
            "fmt": "csv",
        }
        return found

    def overrides(self, endpoint: str) -> dict:
        """Values a route needs that differ from the other routes' (same variable name)."""
        if endpoint == "events.record_checkin":  # A's registration, at its own event
            registration = self.ids["registration_id"]
            return {
                "event_id": _first(
                    "SELECT event_id FROM event_registrations WHERE id = :r", r=registration
                ),
                "registration_id": registration,
            }
        if endpoint == "usage.revoke_token":
            return {"machine_id": self.extra["printer"], "token_id": self.extra["device_token"]}
        if endpoint == "reports.export":
            return {"name": "revenue_by_month"}
        if endpoint == "public.schema":
            return {"name": "activity.schema.json"}
        return {}

    def path(self, rule: str, endpoint: str = "") -> str:
        values = {**self.ids, **self.overrides(endpoint)}

        def value(match):
            name = match.group(1).split(":")[-1]
            return str(values.get(name) or 999999)

        return re.sub(r"<([^>]+)>", value, rule)


@pytest.fixture(scope="module")
def fake_stripe_for_module(_migrated_app):
    """Card payments on (a fake Stripe on loopback): A has a checkout to ask about."""
    keys = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")
    saved = {k: _migrated_app.config.get(k) for k in keys}
    server = FakeStripe().start()
    _migrated_app.config.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=server.url,
    )
    yield server
    _migrated_app.config.update(saved)
    server.stop()


@pytest.fixture(scope="module")
def world(_migrated_app, fake_stripe_for_module):
    with _migrated_app.app_context():
        use_deferred_transactions()
        _lab_identity()
        yield World()
        _db.session.remove()
        empty_database()
        limiter.reset()


@pytest.fixture(scope="module")
def clients(_migrated_app, world):
    return {name: _migrated_app.test_client() for name in PERSONAS}


def signed_in(clients, world) -> None:
    """(Re)open each persona's session: an endpoint may have logged one out."""
    for name, user in world.users.items():
        with clients[name].session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True


def pytest_generate_tests(metafunc):
    if "route" in metafunc.fixturenames:
        from config import TestConfig
        from fablab import create_app

        routes = all_routes(create_app(TestConfig))
        metafunc.parametrize("route", routes, ids=[f"{m} {e}" for e, m, _ in routes])


def ask_everyone(world, clients, method: str, path: str) -> dict[str, str]:
    """What each persona gets, refused ones first; API routes with each one's token."""
    signed_in(clients, world)
    got = {}
    for name in ORDER:
        headers = {}
        if path.startswith("/api/") and name != "anon":
            headers["Authorization"] = f"Bearer {world.tokens[name]}"
        response = clients[name].open(path, method=method, headers=headers, buffered=True)
        got[name] = outcome(path, response)
    limiter.reset()
    return got


def test_every_route_answers_each_persona_as_the_table_says(route, world, clients):
    endpoint, method, rule = route
    path = world.path(rule, endpoint)
    got = ask_everyone(world, clients, method, path)
    expected = ACCESS.get(f"{endpoint} {method}") or ACCESS.get(endpoint)
    assert expected is not None, f"no row in ACCESS for the endpoint {endpoint!r} ({rule})"
    server_errors = {n: o for n, o in got.items() if o.startswith("5xx")}
    assert not server_errors, f"{method} {path} answered {server_errors}"
    wrong = {
        n: f"expected {expected[n]}, got {got[n]}"
        for n in PERSONAS
        if not matches(expected[n], got[n])
    }
    assert not wrong, f"{method} {path} ({endpoint}): {wrong}"


def test_the_table_names_only_routes_that_exist(_migrated_app):
    routes = {(endpoint, method) for endpoint, method, _ in all_routes(_migrated_app)}
    known = {endpoint for endpoint, _ in routes} | {f"{e} {m}" for e, m in routes}
    assert sorted(set(ACCESS) - known) == []


# Company X's invoice: its contact and the staff, not X's other employees nor anyone else.
X_INVOICE = row(a=DENIED, b=DENIED, x=DENIED, y=DENIED)


@pytest.mark.parametrize(
    "method, rule",
    [
        ("GET", "/invoices/<int:invoice_id>"),
        ("GET", "/invoices/<int:invoice_id>.pdf"),
        ("POST", "/invoices/<int:invoice_id>/pay"),
        ("POST", "/api/v1/invoices/<int:invoice_id>/pay"),
    ],
)
def test_company_x_invoice_is_for_its_contact_and_the_staff(world, clients, method, rule):
    invoice = _first("SELECT id FROM invoices WHERE company_id = :x", x=world.company_x.id)
    path = rule.replace("<int:invoice_id>", str(invoice))

    got = ask_everyone(world, clients, method, path)

    wrong = {n: got[n] for n in PERSONAS if not matches(X_INVOICE[n], got[n])}
    assert not wrong, f"{method} {path}: {wrong}"


# A booking employee X made on company X's account: X, X's contact and the staff.
X_BOOKING = row(a=DENIED, b=DENIED, y=DENIED)


@pytest.mark.parametrize(
    "method, rule, hour",
    [
        ("GET", "/bookings/<id>/move", 10),
        ("POST", "/bookings/<id>/move", 12),
        ("POST", "/api/v1/reservations/<id>/cancel", 14),
        ("POST", "/bookings/<id>/cancel", 16),
    ],
)
def test_a_company_booking_is_for_its_booker_the_contact_and_the_staff(
    world, clients, method, rule, hour
):
    from fablab.bookings.services import create_reservation
    from fablab.machines.models import Machine

    start = utcnow().replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=10)
    booking = create_reservation(
        machine=_db.session.get(Machine, world.extra["printer"]),
        user=world.users["x"],
        company=world.company_x,
        start=start,
        end=start + timedelta(hours=1),
        by=world.users["manager"],
        override_rules=True,
    )
    commit()
    path = rule.replace("<id>", str(booking.id))

    got = ask_everyone(world, clients, method, path)

    wrong = {n: got[n] for n in PERSONAS if not matches(X_BOOKING[n], got[n])}
    assert not wrong, f"{method} {path}: {wrong}"
