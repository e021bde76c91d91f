"""A small fake Stripe API for the payments tests: the real ``stripe`` SDK talks to it.

A WSGI app served on 127.0.0.1 (werkzeug ``make_server`` in a thread). The SDK
points at it with ``StripeClient(key, base_addresses={"api": url})``
(``STRIPE_API_BASE``). It implements only what the app calls, with Stripe's
request encoding (form-encoded, ``a[b][0][c]=…`` nesting), Bearer secret key,
response shapes (``object`` fields, ``{"object": "list", "data", "has_more"}``
lists, ``{"error": {"type", "message", …}}`` errors):

- ``POST /v1/checkout/sessions``, ``GET /v1/checkout/sessions/{id}``,
  ``GET /v1/checkout/sessions`` (``created[gte]``, ``status``, ``limit``,
  ``starting_after``), ``POST /v1/checkout/sessions/{id}/expire``;
- ``POST /v1/refunds`` (``payment_intent``, ``amount``; never more than paid);
- ``POST /v1/customers``, ``GET /v1/customers/{id}``.

The hosted payment page is imitated too: a session's ``url`` is ``/pay/{id}`` on
this server; its "Pay" button marks the session paid, delivers the signed
``checkout.session.completed`` webhook to the app, then redirects to the
session's ``success_url``, as Stripe does.

Webhooks are signed exactly as Stripe signs them: header
``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.request
from html import escape
from urllib.parse import parse_qsl

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SECRET_KEY = "sk_test_fake_fablab"
WEBHOOK_SECRET = "whsec_fake_fablab"


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send for ``payload``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's nested form encoding (``line_items[0][price_data][currency]=eur``) as JSON."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part, following in zip(parts, parts[1:], strict=False):
            node = node.setdefault(part, {})
            del following
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


class StripeError(Exception):
    def __init__(self, status: int, message: str, code: str = "", kind="invalid_request_error"):
        self.status, self.message, self.code, self.kind = status, message, code, kind


class FakeStripe:
    """State and HTTP interface of the fake; tests also drive it directly."""

    def __init__(self, secret_key: str = SECRET_KEY, webhook_secret: str = WEBHOOK_SECRET):
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}  # by payment intent id
        self.refunds: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.webhook_url: str | None = None  # where the payment page delivers events
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- life cycle ---------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def _id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}{int(time.time() * 1000) % 100000:05d}"

    # --- objects ------------------------------------------------------------
    def create_session(self, params: dict) -> dict:
        for required in ("success_url", "mode", "line_items"):
            if not params.get(required):
                raise StripeError(400, f"Missing required param: {required}.", "parameter_missing")
        now = int(time.time())
        expires_at = int(params.get("expires_at") or now + 24 * 3600)
        if not now + 30 * 60 - 5 <= expires_at <= now + 24 * 3600:
            raise StripeError(400, "expires_at must be between 30 minutes and 24 hours.")
        items = params["line_items"]
        total = sum(int(i["price_data"]["unit_amount"]) * int(i.get("quantity", 1)) for i in items)
        sid = self._id("cs")
        session = {
            "id": sid,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": items[0]["price_data"]["currency"],
            "customer": params.get("customer"),
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at,
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "mode": params["mode"],
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "url": f"{self.url}/pay/{sid}",
            "_intent_metadata": (params.get("payment_intent_data") or {}).get("metadata") or {},
        }
        self.sessions[sid] = session
        return session

    def public(self, obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def session(self, sid: str) -> dict:
        if sid not in self.sessions:
            raise StripeError(404, f"No such checkout.session: '{sid}'", "resource_missing")
        return self.sessions[sid]

    def pay(self, sid: str) -> dict:
        """The customer pays: the session completes with a PaymentIntent and a Charge."""
        with self._lock:
            session = self.session(sid)
            if session["status"] != "open":
                raise StripeError(400, "This Checkout Session is no longer open.")
            intent = self._id("pi")
            session.update(status="complete", payment_status="paid", payment_intent=intent)
            self.charges[intent] = {
                "id": self._id("ch"),
                "object": "charge",
                "amount": session["amount_total"],
                "amount_refunded": 0,
                "currency": session["currency"],
                "metadata": session["_intent_metadata"],
                "paid": True,
                "payment_intent": intent,
                "refunded": False,
                "refunds": {"object": "list", "data": [], "has_more": False},
                "status": "succeeded",
            }
            return self.public(session)

    def expire(self, sid: str) -> dict:
        with self._lock:
            session = self.session(sid)
            if session["status"] != "open":
                raise StripeError(
                    400,
                    f'Only Checkout Sessions with a status in ["open"] can be expired. '
                    f'This Checkout Session has a status of "{session["status"]}".',
                )
            session["status"] = "expired"
            session["url"] = None
            return self.public(session)

    def refund(self, params: dict) -> dict:
        with self._lock:
            intent = params.get("payment_intent")
            charge = self.charges.get(intent or "")
            if charge is None:
                raise StripeError(404, f"No such payment_intent: '{intent}'", "resource_missing")
            left = charge["amount"] - charge["amount_refunded"]
            amount = int(params.get("amount") or left)
            if amount <= 0 or amount > left:
                raise StripeError(
                    400,
                    f"Refund amount ({amount}) is greater than unrefunded amount "
                    f"on charge ({left})",
                    "amount_too_large",
                )
            refund = {
                "id": self._id("re"),
                "object": "refund",
                "amount": amount,
                "charge": charge["id"],
                "created": int(time.time()),
                "currency": charge["currency"],
                "metadata": params.get("metadata") or {},
                "payment_intent": intent,
                "reason": params.get("reason"),
                "status": "succeeded",
            }
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            charge["refunds"]["data"].insert(0, refund)
            return refund

    def list_sessions(self, args: dict) -> dict:
        rows = sorted(self.sessions.values(), key=lambda s: (s["created"], s["id"]), reverse=True)
        gte = (
            (args.get("created") or {}).get("gte")
            if isinstance(args.get("created"), dict)
            else None
        )
        if gte is not None:
            rows = [s for s in rows if s["created"] >= int(gte)]
        if args.get("status"):
            rows = [s for s in rows if s["status"] == args["status"]]
        if args.get("starting_after"):
            ids = [s["id"] for s in rows]
            after = args["starting_after"]
            rows = rows[ids.index(after) + 1 :] if after in ids else []
        limit = min(int(args.get("limit") or 10), 100)
        return {
            "object": "list",
            "data": [self.public(s) for s in rows[:limit]],
            "has_more": len(rows) > limit,
            "url": "/v1/checkout/sessions",
        }

    # --- events ---------------------------------------------------------------
    def event(self, kind: str, obj: dict) -> dict:
        return {
            "id": self._id("evt"),
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
        }

    def completed_event(self, sid: str) -> dict:
        return self.event("checkout.session.completed", self.public(self.session(sid)))

    def expired_event(self, sid: str) -> dict:
        return self.event("checkout.session.expired", self.public(self.session(sid)))

    def signed(self, event: dict, timestamp: int | None = None) -> tuple[bytes, dict]:
        payload = json.dumps(event).encode()
        headers = {
            "Stripe-Signature": sign(payload, self.webhook_secret, timestamp),
            "Content-Type": "application/json; charset=utf-8",
        }
        return payload, headers

    def deliver(self, client, event: dict, timestamp: int | None = None):
        """POST the event to the app through a Flask test client, signed; the response."""
        payload, headers = self.signed(event, timestamp)
        return client.post("/stripe/webhook", data=payload, headers=headers)

    def deliver_http(self, url: str, event: dict) -> int:
        payload, headers = self.signed(event)
        request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    # --- HTTP -----------------------------------------------------------------
    def wsgi(self, environ, start_response):
        request = Request(environ)
        try:
            response = self._route(request)
        except StripeError as error:
            body = {"error": {"type": error.kind, "message": error.message}}
            if error.code:
                body["error"]["code"] = error.code
            response = Response(json.dumps(body), error.status, mimetype="application/json")
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        path, method = request.path, request.method
        self.requests.append((method, path))
        if path.startswith("/pay/"):
            return self._payment_page(request, path.removeprefix("/pay/"))
        if request.headers.get("Authorization") != f"Bearer {self.secret_key}":
            raise StripeError(401, "Invalid API Key provided.", kind="invalid_request_error")
        params = decode_form(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
        args = decode_form(list(request.args.items(multi=True)))
        with self._lock:
            answer = self._api(method, path, params, args)
        return Response(json.dumps(answer), 200, mimetype="application/json")

    def _api(self, method: str, path: str, params: dict, args: dict) -> dict:
        match = re.fullmatch(r"/v1/checkout/sessions(?:/([^/]+))?(/expire)?", path)
        if match:
            sid, expire = match.groups()
            if method == "POST" and sid is None:
                return self.public(self.create_session(params))
            if method == "POST" and expire:
                return self.expire(sid)
            if method == "GET" and sid:
                return self.public(self.session(sid))
            if method == "GET":
                return self.list_sessions(args)
        if path == "/v1/refunds" and method == "POST":
            return self.refund(params)
        match = re.fullmatch(r"/v1/customers(?:/([^/]+))?", path)
        if match:
            return self._customers(method, match.group(1), params)
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _customers(self, method: str, cid: str | None, params: dict) -> dict:
        if method == "POST" and cid is None:
            customer = {
                "id": self._id("cus"),
                "object": "customer",
                "created": int(time.time()),
                "email": params.get("email"),
                "name": params.get("name"),
                "metadata": params.get("metadata") or {},
            }
            self.customers[customer["id"]] = customer
            return customer
        if method == "GET" and cid in self.customers:
            return self.customers[cid]
        raise StripeError(404, f"No such customer: '{cid}'", "resource_missing")

    def _payment_page(self, request: Request, sid: str) -> Response:
        session = self.session(sid)
        if request.method == "POST":
            if request.form.get("action") == "cancel":
                return Response(status=303, headers={"Location": session["cancel_url"]})
            self.pay(sid)
            if self.webhook_url:
                self.deliver_http(self.webhook_url, self.completed_event(sid))
            target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", sid)
            return Response(status=303, headers={"Location": target})
        amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
        html = (
            "<!doctype html><title>Fake Stripe Checkout</title>"
            f"<h1>Pay {escape(amount)}</h1><p>Session {escape(sid)} ({session['status']})</p>"
            '<form method="post"><button name="action" value="pay">Pay</button>'
            '<button name="action" value="cancel">Cancel</button></form>'
        )
        return Response(html, mimetype="text/html")
