"""URL converters: an id beyond what the database holds is simply not found."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from fablab.forms import LARGEST_INTEGER


class DatabaseIntegerConverter(IntegerConverter):
    """``<int:…>`` limited to the 32-bit ids PostgreSQL stores (larger ones give 404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_INTEGER)
        super().__init__(map, *args, **kwargs)
