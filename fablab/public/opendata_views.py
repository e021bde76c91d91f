"""Open data under /open-data/v1: catalogue, lab.json, activity.json|.csv and their schemas.

Every answer carries an ETag (a conditional GET gets a 304) and CORS headers so
that any site or notebook can read it.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Response, current_app, jsonify, request

from fablab.public import opendata
from fablab.public.blueprint import bp

SCHEMAS = ("lab.schema.json", "activity.schema.json", "catalogue.schema.json")


def schema_folder() -> Path:
    return Path(current_app.root_path).parent / "docs" / "open-data" / "v1"


def _answer(body: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.add_etag()
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


def _json(document: dict) -> Response:
    return _answer(json.dumps(document, ensure_ascii=False, sort_keys=True), "application/json")


def _not_published(error: opendata.NotPublished) -> Response:
    response = jsonify(error.to_json())
    response.status_code = error.status
    return response


@bp.after_request
def open_data_cors(response: Response) -> Response:
    if request.path.startswith("/open-data/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    return response


@bp.get("/open-data/v1/")
def catalogue():
    return _json(opendata.catalogue())


@bp.get("/open-data/v1/lab.json")
def lab_json():
    try:
        document = opendata.lab_document()
    except opendata.NotPublished as error:
        return _not_published(error)
    return _json(document)


@bp.get("/open-data/v1/activity.json")
def activity_json():
    try:
        document = opendata.activity_document()
    except opendata.NotPublished as error:
        return _not_published(error)
    return _json(document)


@bp.get("/open-data/v1/activity.csv")
def activity_csv():
    try:
        document = opendata.activity_document()
    except opendata.NotPublished as error:
        return _not_published(error)
    response = _answer(opendata.activity_csv(document), "text/csv")
    response.headers["Content-Disposition"] = "inline; filename=activity.csv"
    return response


@bp.get("/open-data/v1/schemas/<name>")
def schema(name: str):
    if name not in SCHEMAS:
        return jsonify({"error": "not_found", "message": "No such schema."}), 404
    return _answer((schema_folder() / name).read_text(encoding="utf-8"), "application/schema+json")
