"""Public pages of the regional hub: figures, each lab, merged events, machine finder."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Response, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from fablab.extensions import db
from fablab.machines.zone import local_to_utc
from fablab.network import events as regional_events
from fablab.network.blueprint import bp
from fablab.network.finder import ask_labs, finder_candidates
from fablab.network.forms import FinderForm
from fablab.network.models import NetworkLab
from fablab.network.regional import METRICS, regional_figures
from fablab.network.services import lab_document, limits
from fablab.timeutil import utcnow
from fablab.transaction import commit


def map_points(labs_with_place) -> list[dict]:
    """Labs that publish their coordinates, for the map."""
    return [
        {
            "name": lab.label,
            "lat": document["coordinates"]["latitude"],
            "lon": document["coordinates"]["longitude"],
            "url": url_for("network.lab_page", lab_id=lab.id),
        }
        for lab, document in labs_with_place
        if document and document.get("coordinates")
    ]


@bp.get("")
def regional():
    figures = regional_figures()
    places = [(f.lab, lab_document(f.lab, "lab")) for f in figures.labs]
    return render_template(
        "network/regional.html",
        regional=figures,
        metrics=METRICS,
        labs_with_place=places,
        map_points=map_points(places),
        tile_url=current_app.config.get("NETWORK_TILE_URL", ""),
        tile_attribution=current_app.config.get("NETWORK_TILE_ATTRIBUTION", ""),
    )


@bp.get("/labs/<int:lab_id>")
def lab_page(lab_id: int):
    lab = db.session.get(NetworkLab, lab_id) or abort(404)
    figures = regional_figures([lab])
    return render_template(
        "network/lab.html",
        lab=lab,
        document=lab_document(lab, "lab"),
        figures=figures.labs[0],
        metrics=METRICS,
    )


@bp.get("/events")
def events_page():
    return render_template("network/events.html", events=regional_events.regional_events())


@bp.get("/events.ics")
def events_feed():
    body = regional_events.merged_calendar()
    response = Response(body, mimetype="text/calendar")
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = "public, max-age=900"
    response.headers["Content-Disposition"] = "inline; filename=network-events.ics"
    return response.make_conditional(request)


@bp.get("/finder")
def finder():
    form = FinderForm(request.args)
    result = None
    if request.args and form.validate():
        start = local_to_utc(form.day.data, form.after.data)
        end = local_to_utc(form.day.data, form.before.data)
        if end <= start:
            form.before.errors.append(str(_l("The end must come after the start.")))
        elif start < utcnow() - timedelta(days=1) or end - start > timedelta(days=1):
            form.day.errors.append(
                str(_l("Choose a day from today on, and a window of at most one day."))
            )
        else:
            candidates = finder_candidates(kind=form.kind.data, near=form.near.data or "")
            bounds = limits()
            commit()  # no transaction (no SQLite lock) while the labs answer
            result = ask_labs(
                candidates, start=start, end=end, minutes=form.minutes.data, bounds=bounds
            )
    status = 422 if form.errors else 200
    return render_template("network/finder.html", form=form, result=result), status


def _numbers(values: dict) -> dict[str, float]:
    return {metric: float(value) for metric, value in values.items()}


@bp.get("/figures.json")
def figures_json():
    """The regional figures as open data: per lab and in total, per month."""
    figures = regional_figures()
    body = {
        "labs": [
            {
                "id": f.lab.id,
                "name": f.lab.label,
                "state": f.lab.state,
                "months": {month: _numbers(v) for month, v in f.months.items()},
                "totals": _numbers(f.totals),
            }
            for f in figures.labs
        ],
        "months": {month: _numbers(v) for month, v in figures.months.items()},
        "totals": _numbers(figures.totals),
    }
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
