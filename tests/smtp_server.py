"""A real SMTP server on loopback (aiosmtpd) that can be stopped, or told to answer 451 or 550.

smtplib talks to it over TCP exactly as to a mail server: a 4xx reply to RCPT
TO is a transient refusal, a 5xx a permanent one (RFC 5321 §4.2).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Mailbox:
    """The aiosmtpd handler: keeps what it accepted; refuses recipients when told to."""

    def __init__(self):
        self.received: list = []
        self.refuse: dict[str, str] = {}  # address (or "*") -> reply, e.g. "451 4.3.0 Busy"
        self.delay_seconds = 0.0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse.get(address) or self.refuse.get("*")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.received.append(message)
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        with self._lock:
            return [str(m["subject"]) for m in self.received]


class SmtpServer:
    def __init__(self):
        self.mailbox = Mailbox()
        self.port = _free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
