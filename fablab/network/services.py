"""The hub's member labs: register, remove, refresh what they publish."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.network.fetch import Fetched, LabResult, Limits, fetch_lab
from fablab.network.models import DATASETS, NetworkDocument, NetworkLab
from fablab.timeutil import utcnow

log = logging.getLogger("fablab.network")


class NetworkError(DomainError):
    code = "invalid_lab"


def all_labs() -> list[NetworkLab]:
    return list(db.session.scalars(sa.select(NetworkLab).order_by(NetworkLab.name, NetworkLab.id)))


def add_lab(*, url: str) -> NetworkLab:
    """Register a member lab by the address of its open-data catalogue (…/open-data/v1/)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise NetworkError(
            "Give the http(s) address of the lab's open-data catalogue.", field="url"
        )
    if parts.username or parts.password:
        raise NetworkError(_("The address must not carry a user name or password."), field="url")
    taken = db.session.scalar(sa.select(NetworkLab.id).where(NetworkLab.catalogue_url == url))
    if taken is not None:
        raise NetworkError(_("This lab is already a member."), field="url")
    lab = NetworkLab(catalogue_url=url, name=parts.hostname)
    db.session.add(lab)
    db.session.flush()
    return lab


def remove_lab(*, lab: NetworkLab) -> None:
    db.session.delete(lab)
    db.session.flush()


def limits() -> Limits:
    config = current_app.config
    return Limits(
        timeout=float(config.get("NETWORK_FETCH_TIMEOUT", 5)),
        max_bytes=int(config.get("NETWORK_MAX_BYTES", 2_000_000)),
    )


def _etags(lab: NetworkLab) -> dict[str, str]:
    etags = {}
    for document in lab.documents:
        etags[document.dataset] = document.etag
        etags[f"{document.dataset}:url"] = document.url
    return etags


def refresh_plan(*, labs: list[NetworkLab] | None = None) -> list[tuple[int, str, dict]]:
    """What to fetch: (lab id, catalogue address, ETags of its stored copies) per lab."""
    labs = all_labs() if labs is None else labs
    return [(lab.id, lab.catalogue_url, _etags(lab)) for lab in labs]


def fetch_all(plan: list[tuple[int, str, dict]], bounds: Limits, workers: int = 8):
    """Fetch every planned lab concurrently. Touches no database: run it outside a transaction."""
    if not plan:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(plan))) as pool:
        return list(pool.map(lambda job: fetch_lab(job[1], job[2], bounds), plan))


def apply_results(plan: list[tuple[int, str, dict]], results: list[LabResult]) -> dict[str, int]:
    """Store what is valid, report what is not; a failed dataset keeps its last good copy."""
    counts = {"ok": 0, "error": 0}
    for (lab_id, *_job), result in zip(plan, results, strict=True):
        lab = db.session.get(NetworkLab, lab_id)
        if lab is None:  # removed while it was being fetched
            continue
        _apply(lab, result)
        counts["ok" if lab.state == "ok" else "error"] += 1
    db.session.flush()
    return counts


def _store(lab: NetworkLab, name: str, fetched: Fetched) -> None:
    document = lab.document(name)
    if document is None:
        document = NetworkDocument(dataset=name, url=fetched.url)
        lab.documents.append(document)
    document.fetched_at = utcnow()
    if not fetched.not_modified:
        document.url, document.body, document.etag = fetched.url, fetched.body, fetched.etag
    if name == "lab":
        lab.name = str(json.loads(document.body).get("name", ""))[:200] or lab.name


def _apply(lab: NetworkLab, result: LabResult) -> None:
    now = utcnow()
    lab.last_fetched_at = now
    errors = []
    if not result.catalogue.ok:
        errors.append(f"catalogue: {result.catalogue.error}")
    for name in DATASETS:
        fetched = result.datasets.get(name)
        if fetched is None:
            if result.catalogue.ok and lab.document(name) is not None:
                lab.documents.remove(lab.document(name))  # the lab stopped publishing it
            continue
        if fetched.ok:
            _store(lab, name, fetched)
        else:
            errors.append(f"{name}: {fetched.error}")
    lab.state = "error" if errors else "ok"
    lab.last_error = "; ".join(errors)[:2000]
    if not errors:
        lab.last_success_at = now
    else:
        log.warning("network lab %s: %s", lab.catalogue_url, lab.last_error)


def lab_document(lab: NetworkLab, name: str) -> dict | None:
    """The last good copy of a JSON dataset of a lab (None when never fetched)."""
    document = lab.document(name)
    if document is None or not document.body:
        return None
    return json.loads(document.body)
