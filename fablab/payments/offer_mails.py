"""E-mails of the offer: a membership ending soon, a quote sent to a company."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from fablab.mail import Attachment, queue_mail, render_in_locale
from fablab.payments.offer_models import Membership, Quote
from fablab.urls import external_url


def _recipients(membership: Membership) -> list[tuple[str, str]]:
    if membership.user is not None:
        return [(membership.user.email, membership.user.locale)]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return [(membership.company.contact_email, default)]


def queue_membership_reminder(membership: Membership) -> None:
    """Tell the holder their membership ends in less than 30 days (after commit)."""
    link = external_url("payments.my_offer")
    for address, locale in _recipients(membership):
        subject = render_in_locale(locale, lambda: _("Your membership ends soon"))
        body = render_in_locale(
            locale,
            render_template,
            "payments/offer/mail_membership_reminder.txt",
            membership=membership,
            lang=locale,
            link=link,
        )
        queue_mail(address, subject, body)


def queue_quote_mail(quote: Quote, token: str) -> None:
    """Send the quote to the company's contact with its PDF and the link to answer."""
    from fablab.payments.offer_pdf import quote_pdf

    link = external_url("payments.quote_public", token=token)
    subject = render_in_locale(quote.locale, lambda: _("Quote %(number)s", number=quote.number))
    body = render_in_locale(
        quote.locale, render_template, "payments/offer/mail_quote.txt", quote=quote, link=link
    )
    pdf = Attachment(f"{quote.number}.pdf", quote_pdf(quote), "application/pdf")
    queue_mail(quote.contact_email, subject, body, attachments=[pdf])
