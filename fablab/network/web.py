"""The network blueprint with every route: its view modules add theirs to it on import."""

from fablab.network import manage_views, views  # noqa: F401
from fablab.network.blueprint import bp

__all__ = ["bp"]
