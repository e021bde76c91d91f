"""Small helpers shared by the offer's view modules."""

from __future__ import annotations

from flask import Response, flash
from flask_babel import get_locale

from fablab.errors import DomainError
from fablab.payments.offer_models import Quote
from fablab.payments.offer_pdf import quote_pdf


def locale() -> str:
    return str(get_locale() or "fr")


def show_error(form, error: DomainError) -> None:
    """The message beside its field when the form has it, else as a flash."""
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        flash(error.message, "error")


def pdf_response(quote: Quote) -> Response:
    return Response(
        quote_pdf(quote),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{quote.number}.pdf"'},
    )
