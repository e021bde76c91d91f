"""The shop window (home page for visitors) and the embeddable widget."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, render_template, url_for
from flask_babel import get_locale

from fablab.extensions import db
from fablab.network.models import NetworkLab
from fablab.payments.offer_catalogue import list_services
from fablab.public.blueprint import bp
from fablab.public.opendata import get_open_data_settings, public_figures
from fablab.public.status import machines_now, next_events, today_hours, week_hours
from fablab.urls import external_url


def offer_catalogue() -> list[dict]:
    """The services companies can ask a quote for, each linking to the request form."""
    lang = str(get_locale() or "fr")
    return [
        {"name": service.name(lang), "url": url_for("payments.quote_request", service=service.id)}
        for service in list_services(active_only=True)
    ]


def has_network_labs() -> bool:
    return db.session.scalar(sa.select(NetworkLab.id).limit(1)) is not None


def home_context() -> dict:
    """Everything the shop window shows; nothing in it names a person."""
    weekday, today, closed_today = today_hours()
    return {
        "machines_now": machines_now(),
        "weekday": weekday,
        "today": today,
        "closed_today": closed_today,
        "week": week_hours(),
        "events": next_events(limit=6),
        "figures": public_figures(),
        "open_data": get_open_data_settings(),
        "catalogue": offer_catalogue(),
        "in_a_network": current_app.config.get("FABLAB_HUB") or has_network_labs(),
        "locale": str(get_locale() or "fr"),
    }


def render_home():
    return render_template("public/home.html", **home_context())


@bp.get("/widget")
def widget():
    """A small page for the lab's own website to frame: next events and machine status."""
    response = render_template(
        "public/widget.html",
        machines_now=machines_now(),
        events=next_events(limit=4),
        locale=str(get_locale() or "fr"),
    )
    return response


@bp.get("/widget.json")
def widget_json():
    """The widget's data as JSON: machine status (never a name) and the next public events."""
    locale = str(get_locale() or "fr")
    body = {
        "machines": [
            {
                "id": m.id,
                "name": m.name,
                "kind": m.kind,
                "status": m.status,
                "until": m.until.isoformat() if m.until else None,
            }
            for m in machines_now()
        ],
        "events": [
            {
                "id": e.id,
                "title": e.title_for(locale),
                "kind": e.kind,
                "start": e.start_at.isoformat(),
                "end": e.end_at.isoformat(),
                "url": external_url("events.detail", event_id=e.id),
            }
            for e in next_events(limit=4)
        ],
    }
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
