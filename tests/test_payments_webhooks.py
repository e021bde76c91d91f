# ruff: noqa: F811  (pytest fixtures imported from tests.*_fixtures)
"""Stripe Checkout with hold before charge, and webhooks applied exactly once, in any order.

The real ``stripe`` SDK talks to tests/fake_stripe.py; webhooks are signed as
Stripe signs them and delivered to ``POST /stripe/webhook``.
"""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from fablab.billing.models import Invoice
from fablab.billing.payments import balance_of
from fablab.bookings.models import Reservation
from fablab.payments.models import CheckoutRecord, Refund, StripeEvent
from fablab.payments.slots import book_paid_slot
from tests.bookings_fixtures import NOW, frozen, open_lab, paris, printer  # noqa: F401
from tests.fake_stripe import sign
from tests.payments_fixtures import fake_stripe, prepay_public, walk_in  # noqa: F401

SLOT = (paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))


def hold_slot(db, machine, user, start=SLOT[0], end=SLOT[1]):
    reservation, record = book_paid_slot(
        machine=machine,
        user=user,
        start=start,
        end=end,
        success_url="http://localhost/paid",
        cancel_url="http://localhost/cancelled",
    )
    db.session.commit()
    return reservation, record


def confirmed_slots(db):
    booked = db.session.scalars(sa.select(Reservation).where(Reservation.status == "confirmed"))
    return [(r.user_id, r.start_at) for r in booked]


def invoices(db):
    return db.session.scalars(sa.select(Invoice).order_by(Invoice.chain_seq)).all()


def test_paid_slot_is_held_then_confirmed_by_the_webhook(
    db, client, fake_stripe, frozen, printer, walk_in, prepay_public, outbox
):
    reservation, record = hold_slot(db, printer, walk_in)
    assert reservation.status == "held"
    assert record.url.startswith(fake_stripe.url)
    session = fake_stripe.sessions[record.stripe_session_id]
    assert session["metadata"]["fablab_checkout_id"] == str(record.id)
    # 1 h at the public rate 5 €/h (4 × 1.25 €) + 20 % VAT
    assert record.amount_cents == session["amount_total"] == 600

    fake_stripe.pay(record.stripe_session_id)
    answer = fake_stripe.deliver(client, fake_stripe.completed_event(record.stripe_session_id))

    assert answer.status_code == 200, answer.json
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "confirmed"
    [invoice] = invoices(db)
    assert invoice.total_incl_cents == 600
    assert balance_of(invoice).status == "paid"
    assert db.session.get(CheckoutRecord, record.id).invoice_id == invoice.id
    subjects = [m.subject for m in outbox if m.to == [walk_in.email]]
    assert subjects == [f"Booking confirmed: {printer.name}", f"Invoice {invoice.number}"]


def test_a_webhook_delivered_five_times_applies_once(
    db, client, fake_stripe, frozen, printer, walk_in, prepay_public
):
    _reservation, record = hold_slot(db, printer, walk_in)
    fake_stripe.pay(record.stripe_session_id)
    event = fake_stripe.completed_event(record.stripe_session_id)
    outcomes = [fake_stripe.deliver(client, event).json["outcome"] for _ in range(5)]
    assert outcomes == ["paid"] + ["duplicate"] * 4
    db.session.expire_all()
    assert len(invoices(db)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 1


def test_completed_and_expired_in_reverse_order_apply_once(
    db, client, fake_stripe, frozen, printer, walk_in, prepay_public
):
    reservation, record = hold_slot(db, printer, walk_in)
    fake_stripe.pay(record.stripe_session_id)
    completed = fake_stripe.completed_event(record.stripe_session_id)
    expired = fake_stripe.event(
        "checkout.session.expired",
        {**fake_stripe.public(fake_stripe.sessions[record.stripe_session_id]), "status": "expired"},
    )
    # reverse order: the expiry is applied first (the hold is released), then the payment
    # books the slot again since it is still free; replays of either change nothing
    outcomes = [fake_stripe.deliver(client, e).json["outcome"] for e in (expired, completed) * 3]
    assert outcomes == ["expired", "paid after expired"] + ["duplicate"] * 4
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "expired"
    assert confirmed_slots(db) == [(walk_in.id, SLOT[0])]
    assert len(invoices(db)) == 1
    assert db.session.scalars(sa.select(Refund)).all() == []


def test_completed_after_expiry_with_the_slot_taken_refunds_with_a_credit_note(
    db, client, fake_stripe, printer, walk_in, prepay_public, make_user, outbox, open_lab
):
    from fablab.bookings.services import create_reservation, expire_holds

    with time_machine.travel(NOW, tick=True) as clock:
        reservation, record = hold_slot(db, printer, walk_in)
        clock.shift(timedelta(minutes=20))
        expire_holds()
        db.session.commit()
        assert reservation.status == "expired"
        other = make_user(email="other@example.org")
        create_reservation(machine=printer, user=other, start=SLOT[0], end=SLOT[1])
        db.session.commit()
        fake_stripe.pay(record.stripe_session_id)  # the customer was slow to pay
        answer = fake_stripe.deliver(client, fake_stripe.completed_event(record.stripe_session_id))

    assert answer.status_code == 200
    assert answer.json["outcome"].startswith("refunded")
    db.session.expire_all()
    record = db.session.get(CheckoutRecord, record.id)
    assert record.status == "refunded" and record.refunded_cents == 600
    invoice, credit_note = invoices(db)
    assert credit_note.credited_invoice_id == invoice.id
    assert credit_note.total_incl_cents == -600
    [refund] = record.refunds
    assert refund.automatic and refund.credit_note_id == credit_note.id
    charge = fake_stripe.charges[record.payment_intent_id]
    assert charge["amount_refunded"] == 600
    assert refund.stripe_refund_id == charge["refunds"]["data"][0]["id"]
    [mail] = [m for m in outbox if m.to == [walk_in.email]]
    assert "refunded" in mail.body and "taken" in mail.body
    assert credit_note.number in mail.body


def test_a_late_payment_rebooks_the_slot_when_it_is_still_free(
    db, client, fake_stripe, printer, walk_in, prepay_public, open_lab
):
    from fablab.bookings.services import expire_holds

    with time_machine.travel(NOW, tick=True) as clock:
        reservation, record = hold_slot(db, printer, walk_in)
        clock.shift(timedelta(minutes=20))
        expire_holds()
        db.session.commit()
        fake_stripe.pay(record.stripe_session_id)
        fake_stripe.deliver(client, fake_stripe.completed_event(record.stripe_session_id))
    db.session.expire_all()
    assert confirmed_slots(db) == [(walk_in.id, SLOT[0])]
    assert db.session.get(CheckoutRecord, record.id).status == "paid"


def test_a_bad_signature_changes_nothing(
    db, client, fake_stripe, frozen, printer, walk_in, prepay_public
):
    reservation, record = hold_slot(db, printer, walk_in)
    fake_stripe.pay(record.stripe_session_id)
    event = fake_stripe.completed_event(record.stripe_session_id)
    payload = json.dumps(event).encode()
    forged = sign(payload, "whsec_wrong")
    stale = sign(payload, timestamp=int(NOW.timestamp()) - 3600)
    for header in (forged, stale, "", "t=1,v1=00"):
        answer = client.post("/stripe/webhook", data=payload, headers={"Stripe-Signature": header})
        assert answer.status_code == 400
        assert answer.json["error"] == "bad_signature"
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "held"
    assert db.session.scalars(sa.select(StripeEvent)).all() == []
    assert invoices(db) == []


def test_reconciliation_applies_a_missed_payment_exactly_once(
    app, db, client, fake_stripe, frozen, printer, walk_in, prepay_public
):
    from fablab.payments.jobs import reconcile_job

    reservation, record = hold_slot(db, printer, walk_in)
    fake_stripe.pay(record.stripe_session_id)  # paid, but the webhook never arrives

    assert reconcile_job() == 1
    assert reconcile_job() == 0
    result = app.test_cli_runner().invoke(args=["stripe", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "1 sessions seen, 0 applied" in result.output
    late = fake_stripe.deliver(client, fake_stripe.completed_event(record.stripe_session_id))
    assert late.json["outcome"] == "ignored: already paid"

    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "confirmed"
    [invoice] = invoices(db)
    assert balance_of(invoice).status == "paid"
    assert len(invoice.payments) == 1


def test_the_hold_expiry_and_the_expired_session_release_the_slot(
    db, client, fake_stripe, printer, walk_in, prepay_public, open_lab
):
    with time_machine.travel(NOW, tick=True) as clock:
        reservation, record = hold_slot(db, printer, walk_in)
        clock.shift(timedelta(minutes=31))
        fake_stripe.expire(record.stripe_session_id)
        answer = fake_stripe.deliver(client, fake_stripe.expired_event(record.stripe_session_id))
    assert answer.json["outcome"] == "expired"
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "expired"
    assert db.session.get(CheckoutRecord, record.id).status == "expired"
    assert invoices(db) == []


def test_concurrent_deliveries_and_reconciliation_apply_once(
    app, db, live_server, fake_stripe, frozen, printer, walk_in, prepay_public
):
    """Real threads: Stripe retrying the same event, a second event for the same session and the
    reconciliation job, all at once against the served app."""
    import threading

    from fablab.payments.jobs import reconcile_job

    reservation, record = hold_slot(db, printer, walk_in)
    fake_stripe.pay(record.stripe_session_id)
    event = fake_stripe.completed_event(record.stripe_session_id)
    other = fake_stripe.completed_event(record.stripe_session_id)  # another event id
    db.session.commit()
    url = f"{live_server}/stripe/webhook"
    statuses: list[int] = []
    barrier = threading.Barrier(9)

    def deliver(e):
        barrier.wait()
        statuses.append(fake_stripe.deliver_http(url, e))

    def reconcile():
        with app.app_context():
            barrier.wait()
            reconcile_job()

    threads = [threading.Thread(target=deliver, args=(e,)) for e in [event] * 6 + [other] * 2]
    threads.append(threading.Thread(target=reconcile))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * 8
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "confirmed"
    [invoice] = invoices(db)
    assert len(invoice.payments) == 1 and balance_of(invoice).status == "paid"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 2


def test_a_refund_made_in_the_stripe_dashboard_is_recorded_with_its_credit_note(
    db, client, fake_stripe, frozen, printer, walk_in, prepay_public
):
    _reservation, record = hold_slot(db, printer, walk_in)
    fake_stripe.pay(record.stripe_session_id)
    fake_stripe.deliver(client, fake_stripe.completed_event(record.stripe_session_id))
    db.session.expire_all()
    intent = db.session.get(CheckoutRecord, record.id).payment_intent_id
    fake_stripe.refund({"payment_intent": intent, "amount": "250"})  # done in the dashboard
    event = fake_stripe.event("charge.refunded", fake_stripe.charges[intent])

    assert fake_stripe.deliver(client, event).json["outcome"] == "refund recorded"
    assert fake_stripe.deliver(client, event).json["outcome"] == "duplicate"

    db.session.expire_all()
    record = db.session.get(CheckoutRecord, record.id)
    assert record.refunded_cents == 250 and record.status == "paid"
    [refund] = record.refunds
    assert refund.credit_note.credited_invoice_id == record.invoice_id
    assert refund.stripe_refund_id == fake_stripe.charges[intent]["refunds"]["data"][0]["id"]


def test_a_refused_card_is_shown_and_the_customer_may_still_pay(
    db, client, fake_stripe, frozen, printer, walk_in, prepay_public
):
    reservation, record = hold_slot(db, printer, walk_in)
    failed = fake_stripe.event(
        "payment_intent.payment_failed",
        {
            "id": "pi_test_refused",
            "object": "payment_intent",
            "amount": 600,
            "status": "requires_payment_method",
            "metadata": {"fablab_checkout_id": str(record.id)},
            "last_payment_error": {"message": "Your card was declined."},
        },
    )
    assert fake_stripe.deliver(client, failed).json["outcome"] == "failed"
    db.session.expire_all()
    assert db.session.get(CheckoutRecord, record.id).note == "Your card was declined."
    fake_stripe.pay(record.stripe_session_id)  # a second card works
    fake_stripe.deliver(client, fake_stripe.completed_event(record.stripe_session_id))
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "confirmed"


def test_an_unpaid_hold_is_closed_at_stripe_and_a_payment_made_meanwhile_still_counts(
    db, client, fake_stripe, printer, walk_in, prepay_public, open_lab, make_user
):
    from fablab.bookings.jobs import expire_holds_job
    from fablab.payments.jobs import close_expired_holds_job

    with time_machine.travel(NOW, tick=True) as clock:
        _first, unpaid = hold_slot(db, printer, walk_in)
        other = make_user(email="payer@example.org", category="public")
        _second, paid = hold_slot(
            db, printer, other, paris(2027, 3, 2, 14, 0), paris(2027, 3, 2, 15, 0)
        )
        clock.shift(timedelta(minutes=16))
        fake_stripe.pay(paid.stripe_session_id)  # paid just now, its webhook is not here yet
        expire_holds_job()
        assert close_expired_holds_job() == 1

    assert fake_stripe.sessions[unpaid.stripe_session_id]["status"] == "expired"
    db.session.expire_all()
    assert db.session.get(CheckoutRecord, unpaid.id).status == "expired"
    assert db.session.get(CheckoutRecord, paid.id).status == "paid"
    assert confirmed_slots(db) == [(other.id, paris(2027, 3, 2, 14, 0))]


def test_a_signed_event_of_another_shape_is_stored_and_ignored(db, client, fake_stripe):
    for body in (
        {"id": "evt_other_1", "type": "checkout.session.completed", "data": []},
        {"id": "evt_other_2", "type": "customer.created", "data": {"object": {"id": "cus_1"}}},
        {"id": "evt_other_3", "type": "checkout.session.completed", "data": {"object": {}}},
    ):
        answer = fake_stripe.deliver(client, body)
        assert answer.status_code == 200 and answer.json["outcome"].startswith("ignored")
    assert fake_stripe.deliver(client, {"type": "x"}).status_code == 400  # no event id


def test_any_refusal_while_fulfilling_refunds_the_payment(db, client, fake_stripe, walk_in, outbox):
    """A purpose failing with another domain error (a rule, a state) never keeps the money."""
    from fablab.errors import DomainError
    from fablab.payments.checkout import start_checkout
    from fablab.payments.purposes import register_purpose

    def refuse(record, *, now):
        raise DomainError("This course is no longer offered.")

    register_purpose("test-refusal", on_paid=refuse, on_expired=lambda record, *, now: None)
    record = start_checkout(
        purpose="test-refusal",
        reference_id=1,
        amount_cents=1200,
        description="Cours",
        user=walk_in,
        success_url="http://localhost/ok",
        cancel_url="http://localhost/no",
    )
    db.session.commit()
    fake_stripe.pay(record.stripe_session_id)
    answer = fake_stripe.deliver(client, fake_stripe.completed_event(record.stripe_session_id))

    assert answer.json["outcome"] == "refunded: This course is no longer offered."
    db.session.expire_all()
    record = db.session.get(CheckoutRecord, record.id)
    assert record.status == "refunded"
    invoice, credit_note = invoices(db)
    assert invoice.total_incl_cents == 1200 and credit_note.total_incl_cents == -1200
    assert fake_stripe.charges[record.payment_intent_id]["amount_refunded"] == 1200
