"""The house without circles: fablab's imports point one way, and no two modules
import each other, however indirectly (imports inside functions count too).

Layers, from the top: the edge (views, the API, CLI, jobs, blueprints, demo
data, the app factory) → services (everything else in a domain) → models →
the base (``extensions``, ``db_types``, ``timeutil``). A module may import its
own layer or a lower one, never a higher one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent

EDGE_NAMES = {
    "blueprint", "cli", "demo", "health", "jobs", "main", "scheduler", "seed", "views", "web",
    "webhook",
}  # fmt: skip
EDGE_SUFFIXES = ("_views", "_cli", "_jobs", "_demo", "_web")
EDGE_PACKAGES = ("fablab.api", "fablab.synthetic")
# In the API package, what its routes share sits below them.
API_BELOW_ROUTES = {"fablab.api.models", "fablab.api.helpers", "fablab.api.schemas",
                    "fablab.api.idempotency", "fablab.api.spec"}  # fmt: skip
BASE = {"fablab.extensions", "fablab.db_types", "fablab.timeutil"}
MODELS_ALSO = {"fablab.models", "fablab.heartbeat"}
RANK = {"edge": 3, "services": 2, "models": 1, "base": 0}


def layer(module: str) -> str:
    name = module.rsplit(".", 1)[-1]
    if module in BASE:
        return "base"
    if module in MODELS_ALSO or name == "models" or name.endswith("_models"):
        return "models"
    if module in API_BELOW_ROUTES:
        return "services"
    if module == "fablab" or module.startswith(EDGE_PACKAGES):
        return "edge"
    if name in EDGE_NAMES or name.endswith(EDGE_SUFFIXES):
        return "edge"
    return "services"


@pytest.fixture(scope="module")
def graph():
    sys.path.insert(0, str(ROOT))
    try:
        return grimp.build_graph("fablab", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))


def circles(graph) -> list[list[str]]:
    """The strongly connected groups of two or more modules (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imports = work[-1]
            for imported in imports:
                if imported not in index:
                    index[imported] = low[imported] = len(index)
                    stack.append(imported)
                    on_stack.add(imported)
                    work.append(
                        (imported, iter(sorted(graph.find_modules_directly_imported_by(imported))))
                    )
                    break
                if imported in on_stack:
                    low[module] = min(low[module], index[imported])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == module:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
    return found


def upward_imports(graph) -> list[str]:
    return [
        f"{module} ({layer(module)}) imports {imported} ({layer(imported)})"
        for module in sorted(graph.modules)
        for imported in sorted(graph.find_modules_directly_imported_by(module))
        if RANK[layer(imported)] > RANK[layer(module)]
    ]


def test_no_import_circles(graph):
    assert circles(graph) == []


def test_layers_point_one_way(graph):
    assert upward_imports(graph) == []


def test_the_layers_are_read_as_meant():
    assert layer("fablab.bookings.views") == layer("fablab.accounts.company_views") == "edge"
    assert layer("fablab.api.reservations") == layer("fablab.scheduler") == "edge"
    assert layer("fablab.bookings.services") == layer("fablab.events.queries") == "services"
    assert layer("fablab.bookings.waitlist_models") == "models"
    assert layer("fablab.extensions") == layer("fablab.timeutil") == "base"


def test_a_new_circle_or_upward_import_is_caught(graph):
    """The checks can fail: one import added the wrong way shows in both."""
    graph.add_import(importer="fablab.bookings.models", imported="fablab.bookings.services")
    try:
        assert any("fablab.bookings.models" in group for group in circles(graph))
        assert (
            "fablab.bookings.models (models) imports fablab.bookings.services (services)"
            in upward_imports(graph)
        )
    finally:
        graph.remove_import(importer="fablab.bookings.models", imported="fablab.bookings.services")
