# ruff: noqa: F811  (pytest fixtures imported from tests.*_fixtures)
"""Paying through the web: a slot under the prepayment policy, an invoice by card, refunds,
bank details for transfers, and the app without Stripe keys."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.billing.charges import add_charge
from fablab.billing.invoices import issue_invoice
from fablab.billing.models import Invoice
from fablab.billing.payments import balance_of
from fablab.bookings.models import Reservation
from fablab.payments.models import CheckoutRecord
from tests.bookings_fixtures import NOW, frozen, open_lab, paris, printer  # noqa: F401
from tests.payments_fixtures import fake_stripe, prepay_public, walk_in  # noqa: F401

IBAN = "FR7630006000011234567890189"


def unpaid_invoice(db, user=None, company=None, cents=5000):
    charge = add_charge(
        kind="other",
        description="Laser cutting job",
        quantity_milli=1000,
        unit_price_cents=cents,
        source_type="test",
        source_id=1,
        user=user,
        company=company,
    )
    invoice = issue_invoice(charges=[charge], user=None if company else user, company=company)
    db.session.commit()
    return invoice


def test_a_member_pays_an_unpaid_invoice_by_card(db, login_as, member, fake_stripe, lab_settings):
    invoice = unpaid_invoice(db, user=member)  # 50 € + 20 % VAT
    client = login_as(member)
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Pay by card" in page
    assert "Pay by card" in client.get("/invoices/mine").get_data(as_text=True)

    answer = client.post(f"/invoices/{invoice.id}/pay")

    assert answer.status_code == 303
    session_id = answer.headers["Location"].rsplit("/", 1)[1]
    assert fake_stripe.sessions[session_id]["amount_total"] == 6000
    fake_stripe.pay(session_id)
    assert fake_stripe.deliver(client, fake_stripe.completed_event(session_id)).status_code == 200
    back = client.get(f"/payments/return?session_id={session_id}").get_data(as_text=True)
    assert "your payment of €60.00 is received" in back
    db.session.expire_all()
    assert balance_of(db.session.get(Invoice, invoice.id)).status == "paid"
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Pay by card" not in page and "Online card payment" in page


def test_someone_else_cannot_pay_or_see_an_invoice(db, login_as, member, make_user, fake_stripe):
    invoice = unpaid_invoice(db, user=member)
    stranger = login_as(make_user())
    assert stranger.post(f"/invoices/{invoice.id}/pay").status_code == 404
    assert fake_stripe.sessions == {}


def test_without_stripe_keys_card_buttons_are_hidden(db, login_as, member, lab_settings):
    invoice = unpaid_invoice(db, user=member)
    client = login_as(member)
    assert "Pay by card" not in client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    answer = client.post(f"/invoices/{invoice.id}/pay", follow_redirects=True)
    assert "Card payment is not available" in answer.get_data(as_text=True)
    assert db.session.scalars(sa.select(CheckoutRecord)).all() == []


def test_bank_details_are_printed_for_transfers(db, login_as, manager, member, lab_settings):
    from pypdf import PdfReader  # noqa: PLC0415

    settings_page = login_as(manager).get("/billing/settings").get_data(as_text=True)
    form = {
        "time_policy": "booked",
        "payment_terms_days": "30",
        "late_payment_text": "Pénalités.",
        "invoice_prefix": "F",
        "credit_note_prefix": "A",
        "membership_fee_member": "30",
        "membership_fee_public": "10",
        "membership_fee_reduced": "15",
        "membership_fee_company": "50",
        "bank_bic": "AGRIFRPP",
    }
    assert "IBAN" in settings_page
    client = login_as(manager)
    bad = client.post("/billing/settings", data={**form, "bank_iban": "FR76 3000 6000 0112"})
    assert bad.status_code == 200 and "This IBAN is not valid" in bad.get_data(as_text=True)
    good = client.post(
        "/billing/settings", data={**form, "bank_iban": "fr76 3000 6000 0112 3456 7890 189"}
    )
    assert good.status_code == 302

    # The PDF is made once, at issue (never regenerated): the invoice issued after the
    # bank details were set prints them.
    invoice = unpaid_invoice(db, user=member)
    page = login_as(member).get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "FR76 3000 6000 0112 3456 7890 189" in page and invoice.number in page
    pdf = login_as(member).get(f"/invoices/{invoice.id}.pdf").data
    import io

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert IBAN in text.replace(" ", "") and "AGRIFRPP" in text


def test_booking_under_the_prepayment_policy_goes_to_checkout(
    db, login_as, walk_in, printer, prepay_public, fake_stripe, frozen
):
    client = login_as(walk_in)
    calendar = client.get(f"/machines/{printer.id}/calendar?week=2027-03-02").get_data(True)
    assert "You pay this slot by card when booking (€6.00 per hour" in calendar
    answer = client.post(
        f"/machines/{printer.id}/book",
        data={"day": "2027-03-02", "start_time": "10:00", "end_time": "11:00"},
    )
    assert answer.status_code == 303
    session_id = answer.headers["Location"].rsplit("/", 1)[1]
    [reservation] = db.session.scalars(sa.select(Reservation)).all()
    assert reservation.status == "held"
    assert "Waiting for payment" in client.get("/payments/mine").get_data(as_text=True)

    fake_stripe.pay(session_id)  # the webhook is late: the return page asks Stripe itself
    back = client.get(f"/payments/return?session_id={session_id}").get_data(as_text=True)

    assert "is received" in back
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "confirmed"
    late = fake_stripe.deliver(client, fake_stripe.completed_event(session_id))
    assert late.json["outcome"] == "ignored: already paid"


def test_members_outside_the_policy_book_as_before(
    db, login_as, member, printer, prepay_public, fake_stripe, frozen
):
    answer = login_as(member).post(
        f"/machines/{printer.id}/book",
        data={"day": "2027-03-02", "start_time": "10:00", "end_time": "11:00"},
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/bookings/mine")
    [reservation] = db.session.scalars(sa.select(Reservation)).all()
    assert reservation.status == "confirmed"


def test_a_manager_refunds_part_of_a_payment_with_a_linked_credit_note(
    db, login_as, manager, member, fake_stripe, lab_settings
):
    invoice = unpaid_invoice(db, user=member)
    client = login_as(member)
    session_id = client.post(f"/invoices/{invoice.id}/pay").headers["Location"].rsplit("/", 1)[1]
    fake_stripe.pay(session_id)
    fake_stripe.deliver(client, fake_stripe.completed_event(session_id))
    record = db.session.scalar(sa.select(CheckoutRecord))

    admin = login_as(manager)
    assert "Refund" in admin.get("/manage/payments").get_data(as_text=True)
    refused = admin.post(
        f"/manage/payments/{record.id}", data={"amount": "70.00", "reason": "x", "confirm": "y"}
    )
    assert refused.status_code == 422
    answer = admin.post(
        f"/manage/payments/{record.id}",
        data={"amount": "12.00", "reason": "Machine broke down", "confirm": "y"},
    )

    assert answer.status_code == 302
    db.session.expire_all()
    record = db.session.get(CheckoutRecord, record.id)
    assert record.refunded_cents == 1200 and record.status == "paid"
    [refund] = record.refunds
    credit_note = refund.credit_note
    assert credit_note.credited_invoice_id == invoice.id
    assert credit_note.total_incl_cents == -1200
    assert fake_stripe.charges[record.payment_intent_id]["amount_refunded"] == 1200
    page = admin.get(f"/manage/payments/{record.id}").get_data(as_text=True)
    assert credit_note.number in page and refund.stripe_refund_id in page


def test_the_company_page_shows_what_the_company_owes(db, login_as, make_company, make_user):
    company = make_company(legal_name="Acme")
    contact = make_user(company=company, is_company_contact=True)
    unpaid_invoice(db, user=contact, company=company, cents=10000)
    page = login_as(contact).get("/my-company").get_data(as_text=True)
    assert "Still due on its invoices: €120.00" in page


def test_the_demo_shows_payments_without_stripe_keys(db, client, app):
    from fablab.accounts.models import User
    from fablab.seed import seed_demo

    with app.test_request_context():
        seed_demo()
        db.session.commit()
    member = db.session.scalar(sa.select(User).where(User.email == "member@example.org"))
    with client.session_transaction() as session:
        session["_user_id"] = member.get_id()
    mine = client.get("/invoices/mine").get_data(as_text=True)
    assert "Pay by card" not in mine
    invoice = db.session.scalar(
        sa.select(Invoice).where(Invoice.user_id == member.id).order_by(Invoice.chain_seq.desc())
    )
    assert balance_of(invoice).status == "unpaid"
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "FR76 3000 6000 0112 3456 7890 189" in page
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    with client.session_transaction() as session:
        session["_user_id"] = manager.get_id()
    settings = client.get("/manage/payments/settings").get_data(as_text=True)
    assert "Stripe n'est pas configuré" in settings  # the demo manager reads French
    assert client.get("/manage/payments").status_code == 200
    assert client.get("/manage/payments/events").status_code == 200
