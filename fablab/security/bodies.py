"""JSON bodies are depth-limited: a 100 000-deep array is a 400, not a RecursionError."""

from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32


def depth(value) -> int:
    """How deeply lists and objects nest in ``value`` (iterative: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing bodies nested deeper than MAX_DEPTH.

    A ValueError makes ``request.get_json`` answer 400 (or None when silent).
    """

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if depth(value) > MAX_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
        return value


def register(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
