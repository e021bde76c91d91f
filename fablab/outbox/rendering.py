"""Messages stored unrendered name a renderer; the sender renders them in the recipient's language.

A domain registers its renderers at import (``register_renderer("bookings.confirmed",
render_confirmed)``). A renderer takes the stored parameters and returns a
``RenderedMail``; it raises ``NotRenderable`` when what the message is about is
gone, which fails the message for good.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g
from flask_babel import force_locale


@dataclass
class Attachment:
    filename: str
    content: bytes | str
    mimetype: str


@dataclass
class RenderedMail:
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)


class NotRenderable(Exception):
    """What the message was about no longer exists: it cannot be written."""


Renderer = Callable[[dict[str, Any]], RenderedMail]
_RENDERERS: dict[str, Renderer] = {}


def register_renderer(kind: str, renderer: Renderer) -> None:
    _RENDERERS[kind] = renderer


def is_known_kind(kind: str) -> bool:
    return kind in _RENDERERS


def in_locale(locale: str | None):
    """``force_locale`` that also works in a fresh app context (a job's).

    Flask-Babel's ``force_locale`` does nothing while ``g`` is empty, which it
    is at the start of each scheduler job: give ``g`` something first.
    """
    g.setdefault("mail_locale", locale)
    return force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"])


def render(*, kind: str, params: dict[str, Any], locale: str | None) -> RenderedMail:
    renderer = _RENDERERS.get(kind)
    if renderer is None:
        raise NotRenderable(f"no renderer for {kind!r}")
    with in_locale(locale):
        rendered = renderer(params)
    return RenderedMail(str(rendered.subject), str(rendered.body), rendered.attachments)


def attachments_to_json(attachments: list[Attachment]) -> list[dict[str, Any]]:
    """Attachments as JSON: text as is, bytes in base64."""
    stored = []
    for item in attachments:
        binary = isinstance(item.content, bytes)
        content = base64.b64encode(item.content).decode() if binary else item.content
        stored.append(
            {
                "filename": item.filename,
                "mimetype": item.mimetype,
                "content": content,
                "base64": binary,
            }
        )
    return stored


def attachments_from_json(stored: list[dict[str, Any]] | None) -> list[Attachment]:
    return [
        Attachment(
            item["filename"],
            base64.b64decode(item["content"]) if item.get("base64") else item["content"],
            item["mimetype"],
        )
        for item in stored or []
    ]
