"""Payments: Stripe Checkout (hold before charge), exactly-once webhooks, refunds, and the offer.

The core (this package, except the offer modules) knows nothing of what is sold:
each kind of purchase registers a *purpose* (``purposes.register_purpose``)
with what to do once paid and once expired. See ``checkout.start_checkout``.
"""
