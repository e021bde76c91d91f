"""``POST /stripe/webhook``: Stripe's events, signature checked, each applied once.

CSRF-exempt (Stripe signs the body instead). A bad or stale signature is a 400
and changes nothing; an event applied before answers 200 again (Stripe stops
retrying); an event about a Checkout we have not committed yet answers 409 so
that Stripe retries it later.
"""

from __future__ import annotations

from flask import current_app, jsonify, request

from fablab.errors import DomainError
from fablab.extensions import csrf
from fablab.payments.blueprint import bp
from fablab.payments.stripe_events import apply_event, verify
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    try:
        event = verify(request.get_data(), request.headers.get("Stripe-Signature"))
        outcome = apply_event(event, now=utcnow())
        commit()
    except DomainError as error:
        rollback()
        current_app.logger.info("Stripe webhook refused: %s", error.message)
        return jsonify(error.to_json()), error.status
    current_app.logger.info("Stripe event %s (%s): %s", event["id"], event["type"], outcome)
    return jsonify({"received": True, "outcome": outcome})
