"""The offer's pages: memberships and packs to buy, quote requests and answers.

Registered on the payments blueprint (fablab/payments/web.py imports this module);
the manager's pages live in ``offer_manage_views``, imported at the bottom.
"""

from __future__ import annotations

from fablab.payments import offer_signals

offer_signals.connect()
