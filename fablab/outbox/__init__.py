"""The mail outbox: messages written in the transaction that causes them, sent by the jobs process.

``fablab.mail.queue_mail`` (rendered now) and ``queue_unrendered`` (rendered at
send time, in the recipient's language) add an ``OutboxMessage`` to the
session; a rollback discards it with the rest of the change. The scheduler's
``mail.send_outbox`` job claims due messages (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, a conditional update everywhere), sends them over SMTP (or to the
log without MAIL_SERVER), retries temporary failures with exponential
back-off and records permanent ones with their reason.
"""
