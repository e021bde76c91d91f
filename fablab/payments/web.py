"""The payments blueprint with every view module's routes (create_app registers ``bp``)."""

from __future__ import annotations

import importlib

from fablab.payments.blueprint import bp

#: View modules of the package: the core's, then the offer's (skipped until written).
VIEW_MODULES = (
    "fablab.payments.views",
    "fablab.payments.webhook",
    "fablab.payments.manage_views",
    "fablab.payments.offer_views",
)

for _module in VIEW_MODULES:
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as _error:
        if _error.name != _module:
            raise

__all__ = ["bp"]
