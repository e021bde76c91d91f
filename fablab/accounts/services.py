"""Account services: registration, passwords, profile, roles, companies."""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from fablab.accounts.models import Category, Company, Role, User
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.mail import queue_mail, render_in_locale
from fablab.urls import external_url

LANGUAGES = ("fr", "en")

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "azertyuiop",
        "qwertyuiop",
        "1234567890",
        "motdepasse",
        "0123456789",
        "password1234",
        "iloveyou123",
        "fablab2026",
        "abcdefghij",
    }
)


class AccountError(DomainError):
    code = "invalid"


def normalise_email(email: str) -> str:
    """Validate an e-mail address and return it lower-cased, or raise AccountError."""
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(_l("Enter a valid e-mail address."), field="email") from None
    return result.normalized.lower()


def check_password_strength(password: str, *, email: str = "") -> None:
    """Refuse short, common or e-mail-like passwords."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    lowered = password.lower()
    local_part = email.split("@")[0].lower() if email else ""
    if (
        lowered in COMMON_PASSWORDS
        or len(set(lowered)) < 4
        or (local_part and len(local_part) >= 4 and local_part in lowered)
    ):
        raise AccountError(_l("This password is too easy to guess."), field="password")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def register_user(
    *,
    email: str,
    password: str,
    name: str = "",
    role: str = Role.MEMBER.value,
    category: str = Category.PUBLIC.value,
    locale: str = "fr",
    company=None,
) -> User:
    """Create an account. The e-mail is unique whatever its case.

    A new person pays the public rate until they buy a membership (fablab.payments.plans).
    """
    email = normalise_email(email)
    check_password_strength(password, email=email)
    if find_user_by_email(email) is not None:
        raise AccountError(_l("An account already uses this e-mail address."), field="email")
    user = User(
        email=email,
        name=(name or "").strip()[:120],
        role=role,
        category=Category.COMPANY.value if company is not None else category,
        locale=locale if locale in LANGUAGES else "fr",
        # By id: the relationship's backref would put the user in company.employees
        # before the SAVEPOINT below adds it (a flush then warns and skips it).
        company_id=company.id if company is not None else None,
    )
    user.set_password(password)
    try:
        # Two sign-ups racing with one address: the unique index decides.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise AccountError(
            _l("An account already uses this e-mail address."), field="email"
        ) from None
    return user


def start_signup(*, email: str, name: str = "", locale: str = "fr", next_url: str | None = None):
    """Mail the address a link to finish the sign-up, and create nothing yet.

    A taken address gets a warning for its owner instead (log in, or reset the
    password). Both paths do the same work and the caller answers the same
    way, so nobody learns from the form, or its timing, who has an account.
    """
    from fablab.accounts.tokens import signup_token

    email = normalise_email(email)
    locale = locale if locale in LANGUAGES else "fr"
    owner = find_user_by_email(email)
    if owner is not None:
        queue_localised_mail(
            to=owner.email,
            locale=owner.locale,
            subject=_l("Someone tried to sign up with your address"),
            template="accounts/mail/signup_taken.txt",
            user=owner,
            login_link=external_url("accounts.login"),
            reset_link=external_url("accounts.forgot_password"),
        )
        return
    token = signup_token(
        email=email, name=(name or "").strip()[:120], locale=locale, next_url=next_url
    )
    queue_localised_mail(
        to=email,
        locale=locale,
        subject=_l("Finish creating your account"),
        template="accounts/mail/signup_confirm.txt",
        link=external_url("accounts.finish_signup", token=token),
        max_age_hours=current_app.config["SIGNUP_LINK_MAX_AGE"] // 3600,
    )


def revoke_sessions(*, user: User) -> None:
    """End every session and remember cookie of this person, on every device."""
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()


def change_password(*, user: User, current: str, new: str) -> None:
    """A new password ends every session (the caller logs the person in again)."""
    if not user.check_password(current):
        raise AccountError(_l("The current password is wrong."), field="current_password")
    check_password_strength(new, email=user.email)
    user.set_password(new)
    revoke_sessions(user=user)


def reset_password(*, user: User, new: str) -> None:
    check_password_strength(new, email=user.email)
    user.set_password(new)
    revoke_sessions(user=user)


# A hash to check against when the e-mail is unknown, so that a failed login
# takes as long whether or not the account exists.
_DUMMY_HASH: list[str] = []


def authenticate(*, email: str, password: str) -> User | None:
    """The active account with this e-mail and password, or None (never says why)."""
    user = find_user_by_email(email or "")
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(generate_password_hash("not a password", method="scrypt"))
        check_password_hash(_DUMMY_HASH[0], password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    return user


def update_profile(
    *, user: User, name: str, phone: str, locale: str, address: str | None = None
) -> None:
    """Change what a person may change about themselves."""
    user.name = (name or "").strip()[:120]
    user.phone = (phone or "").strip()[:40]
    if address is not None:
        user.address = address.strip()[:500]
    if locale in LANGUAGES:
        user.locale = locale
    db.session.flush()


def request_password_reset(*, email: str) -> None:
    """Mail a reset link when an active account has this e-mail; otherwise do nothing.

    The caller answers the same way in both cases, so nobody learns who has an account.
    """
    user = find_user_by_email(email or "")
    if user is None or not user.active:
        return
    from fablab.accounts.tokens import password_reset_token

    link = external_url("accounts.reset_password", token=password_reset_token(user))
    queue_localised_mail(
        to=user.email,
        locale=user.locale,
        subject=_l("Reset your password"),
        template="accounts/mail/password_reset.txt",
        user=user,
        link=link,
        max_age_minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


def queue_localised_mail(*, to: str, locale: str, subject, template: str, **context) -> None:
    """Queue a mail rendered in the recipient's language (subject may be a lazy string)."""

    def render() -> tuple[str, str]:
        return str(subject), render_template(template, **context)

    title, body = render_in_locale(locale, render)
    queue_mail(to, title, body)


# --- management by managers -------------------------------------------------


def assignable_roles(actor: User) -> list[str]:
    """Roles ``actor`` may give: managers give member/manager; admins give any role."""
    if actor.is_admin:
        return [r.value for r in Role]
    if actor.is_manager:
        return [Role.MEMBER.value, Role.MANAGER.value]
    return []


def update_user(
    *,
    actor: User,
    user: User,
    name: str,
    role: str,
    category: str,
    company: Company | None,
    is_company_contact: bool,
) -> None:
    """A manager edits a person's name, role, customer category and company."""
    if role != user.role:
        allowed = assignable_roles(actor)
        if user.id == actor.id:
            raise AccountError(_l("You cannot change your own role."), field="role")
        if role not in allowed or user.role not in allowed:
            raise AccountError(_l("You may not give or take this role."), field="role")
    if category not in {c.value for c in Category}:
        raise AccountError(_l("Choose a known category."), field="category")
    if category == Category.COMPANY and company is None:
        raise AccountError(_l("Choose the company of this person."), field="company")
    if is_company_contact and company is None:
        raise AccountError(
            _l("Only an employee of a company can be its contact."), field="is_company_contact"
        )
    user.name = (name or "").strip()[:120]
    user.role = role
    user.category = category
    user.company = company
    user.is_company_contact = bool(is_company_contact)
    db.session.flush()


def deactivate_user(*, actor: User, user: User) -> None:
    """Close an account: it can no longer log in and its API tokens stop working."""
    if user.id == actor.id:
        raise AccountError(_l("You cannot deactivate your own account."))
    if user.is_admin and not actor.is_admin:
        raise AccountError(_l("Only an administrator can deactivate an administrator."))
    user.active = False
    revoke_sessions(user=user)


def reactivate_user(*, actor: User, user: User) -> None:
    if user.is_admin and not actor.is_admin:
        raise AccountError(_l("Only an administrator can reactivate an administrator."))
    user.active = True
    db.session.flush()


def search_users(*, text: str = "", role: str = "", active: str = "") -> sa.Select:
    """A query of users matching part of their e-mail or name, optionally by role."""
    query = sa.select(User).order_by(User.name, User.email)
    text = (text or "").strip().lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            sa.or_(
                User.email.like(pattern, escape="\\"),
                sa.func.lower(User.name).like(pattern, escape="\\"),
            )
        )
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    if active in ("yes", "no"):
        query = query.where(User.active.is_(active == "yes"))
    return query
