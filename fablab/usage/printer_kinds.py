"""Which module speaks to each kind of printer link.

It sits above the kinds' modules, which build on ``printers``: the shared
helpers never import the kinds back.
"""

from __future__ import annotations

from types import ModuleType

from fablab.usage import moonraker, octoprint, prusalink, relay
from fablab.usage.models import PrinterKind
from fablab.usage.printers import Target

MODULES = {
    PrinterKind.OCTOPRINT.value: octoprint,
    PrinterKind.MOONRAKER.value: moonraker,
    PrinterKind.PRUSALINK.value: prusalink,
    PrinterKind.SHELLY.value: relay,
}


def module_for(kind: str) -> ModuleType:
    return MODULES[kind]


def check_link(*, kind: str, url: str, api_key: str, username: str = "") -> None:
    """Try the address and the key as the poller would; raises LinkFailure."""
    module_for(kind).check(Target(0, kind, url, api_key, username))
