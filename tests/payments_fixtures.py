"""Fixtures of the payments tests: the fake Stripe server wired into the app, a paying public."""

from __future__ import annotations

import pytest

from tests.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe


@pytest.fixture
def fake_stripe(app):
    """A fake Stripe on loopback, and the app configured to use it (keys restored after)."""
    server = FakeStripe().start()
    saved = {
        k: app.config.get(k)
        for k in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")
    }
    app.config.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=server.url,
    )
    yield server
    app.config.update(saved)
    server.stop()


@pytest.fixture
def prepay_public(db):
    """The lab's policy: the public prepays its slots."""
    from fablab.payments.settings import update_payment_settings

    settings = update_payment_settings(prepay={"public"}, hold_minutes=15)
    db.session.commit()
    return settings


@pytest.fixture
def walk_in(make_user):
    """A person of the public category (pays the public rate, prepays under the policy)."""
    return make_user(email="walkin@example.org", name="Sam Public", category="public")
