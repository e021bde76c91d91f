"""Fetching what member labs publish: bounded in time and size, validated, never trusted.

These functions run in worker threads and touch no database: they take
addresses and ETags and return results; ``fablab.network.services`` stores them.
A lab may be down, slow, huge or malicious: every failure becomes a message.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import requests
from icalendar import Calendar

SCHEMA_FOLDER = Path(__file__).resolve().parents[2] / "docs" / "open-data" / "v1"
USER_AGENT = "fablab-network-hub/1.0"


@dataclass
class Limits:
    timeout: float = 5.0  # seconds for the whole answer
    max_bytes: int = 2_000_000


@dataclass
class Fetched:
    url: str
    ok: bool
    not_modified: bool = False
    body: str = ""
    etag: str = ""
    error: str = ""


@dataclass
class LabResult:
    catalogue: Fetched
    datasets: dict[str, Fetched] = field(default_factory=dict)


class FetchError(Exception):
    pass


@lru_cache(maxsize=8)
def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_FOLDER / f"{name}.schema.json").read_text(encoding="utf-8"))


def validate(name: str, document: object) -> None:
    """Raise FetchError when ``document`` does not match the open-data schema ``name``."""
    try:
        jsonschema.validate(document, load_schema(name))
    except jsonschema.ValidationError as error:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        message = f"does not match the {name} schema at {where}: {error.message[:200]}"
        raise FetchError(message) from None


def same_origin(url: str, reference: str) -> bool:
    """Only follow addresses on the lab's own origin (a lab cannot point the hub elsewhere)."""
    a, b = urlsplit(url), urlsplit(reference)
    return a.scheme in ("http", "https") and (a.scheme, a.netloc) == (b.scheme, b.netloc)


def get(url: str, *, etag: str = "", limits: Limits, accept: str = "application/json") -> Fetched:
    """GET ``url`` with If-None-Match, within the time and size limits; errors are returned."""
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    deadline = time.monotonic() + limits.timeout
    try:
        with requests.get(
            url, headers=headers, timeout=limits.timeout, stream=True, allow_redirects=False
        ) as response:
            if response.status_code == 304:
                return Fetched(url, ok=True, not_modified=True, etag=etag)
            if response.status_code != 200:
                return Fetched(url, ok=False, error=f"HTTP {response.status_code}")
            chunks, size = [], 0
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > limits.max_bytes:
                    return Fetched(url, ok=False, error=f"larger than {limits.max_bytes} bytes")
                if time.monotonic() > deadline:
                    return Fetched(url, ok=False, error=f"slower than {limits.timeout:g} s")
                chunks.append(chunk)
            body = b"".join(chunks).decode("utf-8")
            return Fetched(url, ok=True, body=body, etag=response.headers.get("ETag", "")[:200])
    except requests.Timeout:
        return Fetched(url, ok=False, error=f"no answer within {limits.timeout:g} s")
    except requests.RequestException as error:
        return Fetched(url, ok=False, error=f"unreachable ({type(error).__name__})")
    except UnicodeDecodeError:
        return Fetched(url, ok=False, error="not UTF-8 text")


def parse_json(fetched: Fetched, schema: str) -> dict:
    try:
        document = json.loads(fetched.body)
    except ValueError as error:
        raise FetchError(f"malformed JSON ({error.msg} at line {error.lineno})") from None
    validate(schema, document)
    return document


def _check_events(fetched: Fetched) -> None:
    try:
        Calendar.from_ical(fetched.body)
    except Exception as error:  # icalendar raises ValueError and others on bad input
        raise FetchError(f"malformed iCalendar ({type(error).__name__})") from None


def _dataset_urls(catalogue: dict, catalogue_url: str) -> dict[str, str]:
    wanted = {"lab": "json", "activity": "json", "events": "ics"}
    urls = {}
    for dataset in catalogue["datasets"]:
        fmt = wanted.get(dataset["id"])
        for distribution in dataset["formats"]:
            if distribution["format"] == fmt:
                if not same_origin(distribution["url"], catalogue_url):
                    raise FetchError(f"the {dataset['id']} address is not on the lab's own site")
                urls[dataset["id"]] = distribution["url"]
    return urls


def _fetch_dataset(name: str, url: str, etag: str, limits: Limits) -> Fetched:
    accept = "text/calendar" if name == "events" else "application/json"
    fetched = get(url, etag=etag, limits=limits, accept=accept)
    if fetched.ok and not fetched.not_modified:
        try:
            _check_events(fetched) if name == "events" else parse_json(fetched, name)
        except FetchError as error:
            return Fetched(url, ok=False, error=str(error))
    return fetched


def fetch_lab(catalogue_url: str, etags: dict[str, str], limits: Limits) -> LabResult:
    """The catalogue and every dataset it lists (lab, activity, events), each validated."""
    catalogue = get(catalogue_url, limits=limits)
    result = LabResult(catalogue)
    if not catalogue.ok:
        return result
    try:
        urls = _dataset_urls(parse_json(catalogue, "catalogue"), catalogue_url)
    except FetchError as error:
        result.catalogue = Fetched(catalogue_url, ok=False, error=str(error))
        return result
    for name, url in urls.items():
        etag = etags.get(name, "") if etags.get(f"{name}:url") == url else ""
        result.datasets[name] = _fetch_dataset(name, url, etag, limits)
    return result
