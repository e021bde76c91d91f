"""Company services: legal identity checks, employees, invitations."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Category, Company, CompanyInvitation, User
from fablab.accounts.services import AccountError, normalise_email, queue_localised_mail
from fablab.accounts.tokens import hash_secret, new_secret
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.timeutil import utcnow
from fablab.urls import external_url

INVITATION_MAX_AGE = timedelta(days=14)
# La Poste's establishments do not follow the Luhn rule (INSEE exception).
LA_POSTE_SIREN = "356000000"

# Intra-EU VAT numbers after the country prefix (the formats VIES publishes).
VAT_FORMATS = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}


class CompanyError(AccountError):
    code = "invalid"


class InvitationInvalid(AccountError):
    status = 404
    code = "not_found"

    def default_message(self):
        return _l("This invitation is no longer valid.")


# --- legal identity -----------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise_siret(value: str | None) -> str | None:
    """A SIRET without spaces (14 digits, Luhn-checked), None when empty."""
    siret = re.sub(r"[\s.]", "", value or "")
    if not siret:
        return None
    if not re.fullmatch(r"\d{14}", siret):
        raise CompanyError(_l("A SIRET has 14 digits."), field="siret")
    la_poste = siret.startswith(LA_POSTE_SIREN) and sum(int(c) for c in siret) % 5 == 0
    if not (luhn_valid(siret) or la_poste):
        raise CompanyError(_l("This SIRET is not valid (check the digits)."), field="siret")
    return siret


def french_vat_key(siren: str) -> int:
    return (12 + 3 * (int(siren) % 97)) % 97


def normalise_vat_number(value: str | None) -> str | None:
    """An intra-EU VAT number in upper case without separators, None when empty.

    French numbers with a numeric key are checked against their SIREN.
    """
    vat = re.sub(r"[\s.\-]", "", value or "").upper()
    if not vat:
        return None
    country, rest = vat[:2], vat[2:]
    if country == "GR":
        country = "EL"  # Greece uses EL in VAT numbers
    pattern = VAT_FORMATS.get(country)
    if pattern is None or not re.fullmatch(pattern, rest):
        raise CompanyError(
            _l("Enter an intra-EU VAT number, e.g. FR32123456789."), field="vat_number"
        )
    if country == "FR" and rest[:2].isdigit() and int(rest[:2]) != french_vat_key(rest[2:]):
        raise CompanyError(
            _l("This French VAT number does not match its SIREN (check the key)."),
            field="vat_number",
        )
    return country + rest


def _check_identity(siret: str | None, vat_number: str | None, company: Company | None) -> None:
    if siret and vat_number and vat_number.startswith("FR") and vat_number[4:] != siret[:9]:
        raise CompanyError(
            _l("The VAT number and the SIRET are not of the same company (SIREN differs)."),
            field="vat_number",
        )
    if siret:
        query = sa.select(Company.id).where(Company.siret == siret)
        if company is not None and company.id is not None:
            query = query.where(Company.id != company.id)
        if db.session.scalar(query) is not None:
            raise CompanyError(_l("Another company already has this SIRET."), field="siret")


def save_company(
    *,
    company: Company | None = None,
    legal_name: str,
    siret: str | None,
    vat_number: str | None,
    billing_address: str,
    contact_email: str,
) -> Company:
    """Create a company (``company`` None) or change one, after checking its identity."""
    legal_name = " ".join((legal_name or "").split())  # one line: it goes into mail subjects
    if not legal_name:
        raise CompanyError(_l("Enter the legal name."), field="legal_name")
    siret = normalise_siret(siret)
    vat_number = normalise_vat_number(vat_number)
    try:
        contact_email = normalise_email(contact_email)
    except DomainError:
        raise CompanyError(_l("Enter a valid e-mail address."), field="contact_email") from None
    _check_identity(siret, vat_number, company)
    if company is None:
        company = Company()
        db.session.add(company)
    company.legal_name = legal_name[:200]
    company.siret = siret
    company.vat_number = vat_number
    company.billing_address = (billing_address or "").strip()
    company.contact_email = contact_email
    db.session.flush()
    return company


def list_companies(*, text: str = "") -> sa.Select:
    query = sa.select(Company).order_by(Company.legal_name)
    text = (text or "").strip().lower()
    if text:
        query = query.where(
            sa.or_(
                sa.func.lower(Company.legal_name).contains(text, autoescape=True),
                Company.siret.contains(text.replace(" ", ""), autoescape=True),
            )
        )
    return query


# --- employees and invitations ----------------------------------------------


def pending_invitations(company: Company) -> list[CompanyInvitation]:
    return list(
        db.session.scalars(
            sa.select(CompanyInvitation)
            .where(
                CompanyInvitation.company_id == company.id,
                CompanyInvitation.accepted_at.is_(None),
                CompanyInvitation.created_at > utcnow() - INVITATION_MAX_AGE,
            )
            .order_by(CompanyInvitation.created_at.desc())
        )
    )


def invite_employee(*, company: Company, email: str, invited_by: User) -> CompanyInvitation:
    """Invite a person to join ``company``; mails them a link that carries a secret token."""
    email = normalise_email(email)
    existing = db.session.scalar(sa.select(User).where(User.email == email))
    if existing is not None and existing.company_id == company.id:
        raise CompanyError(_l("This person already belongs to the company."), field="email")
    secret = new_secret()
    invitation = CompanyInvitation(
        company=company, email=email, token_hash=hash_secret(secret), invited_by_id=invited_by.id
    )
    db.session.add(invitation)
    db.session.flush()
    queue_localised_mail(
        to=email,
        locale=existing.locale if existing is not None else invited_by.locale,
        subject=_l("Join %(company)s at the fab lab", company=company.legal_name),
        template="accounts/mail/invitation.txt",
        company=company,
        invited_by=invited_by,
        link=external_url("accounts.join_company", token=secret),
        days=INVITATION_MAX_AGE.days,
    )
    return invitation


def invitation_for_token(token: str) -> CompanyInvitation:
    """The open invitation behind a secret token, or InvitationInvalid."""
    invitation = db.session.scalar(
        sa.select(CompanyInvitation).where(CompanyInvitation.token_hash == hash_secret(token))
    )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.created_at <= utcnow() - INVITATION_MAX_AGE
    ):
        raise InvitationInvalid()
    return invitation


def accept_invitation(*, invitation: CompanyInvitation, user: User) -> None:
    """``user`` joins the company: their bookings are then billed at the company rate."""
    if invitation.accepted_at is not None:
        raise InvitationInvalid()
    if user.email != invitation.email:
        raise CompanyError(
            _l(
                "This invitation was sent to %(email)s: log in with that address to accept it.",
                email=invitation.email,
            )
        )
    if user.company_id != invitation.company_id:
        user.is_company_contact = False
    user.company = invitation.company
    user.category = Category.COMPANY.value
    invitation.accepted_at = utcnow()
    db.session.flush()


def cancel_invitation(*, company: Company, invitation: CompanyInvitation) -> None:
    if invitation.company_id != company.id or invitation.accepted_at is not None:
        raise InvitationInvalid()
    db.session.delete(invitation)
    db.session.flush()


def remove_employee(*, company: Company, user: User, actor: User) -> None:
    """Detach ``user`` from ``company``. The account stays; it pays the public rate."""
    if user.company_id != company.id:
        raise CompanyError(_l("This person is not an employee of the company."))
    if user.id == actor.id and not actor.is_manager:
        raise CompanyError(_l("You cannot remove yourself; ask the lab."))
    user.company = None
    user.is_company_contact = False
    user.category = Category.PUBLIC.value
    db.session.flush()
