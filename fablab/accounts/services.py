"""Account services: registration, passwords, profile, roles, companies."""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Category, Role, User
from fablab.errors import DomainError
from fablab.extensions import db

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
    category: str = Category.MEMBER.value,
    locale: str = "fr",
    company=None,
) -> User:
    """Create an account. The e-mail is unique whatever its case."""
    email = normalise_email(email)
    check_password_strength(password, email=email)
    if find_user_by_email(email) is not None:
        raise AccountError(_l("An account already uses this e-mail address."), field="email")
    user = User(
        email=email,
        name=(name or "").strip()[:120],
        role=role,
        category=Category.COMPANY.value if company is not None else category,
        locale=locale if locale in ("fr", "en") else "fr",
        company=company,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def change_password(*, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError(_l("The current password is wrong."), field="current_password")
    check_password_strength(new, email=user.email)
    user.set_password(new)
    db.session.flush()


def reset_password(*, user: User, new: str) -> None:
    check_password_strength(new, email=user.email)
    user.set_password(new)
    db.session.flush()
