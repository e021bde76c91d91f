"""The public blueprint with every route: its view modules add theirs to it on import."""

from fablab.public import manage_views, opendata_views, views  # noqa: F401
from fablab.public.blueprint import bp

__all__ = ["bp"]
