"""Accounts pages: sign-up, login, logout, passwords, profile and API tokens.

The manager pages live in ``manage_views`` and the company pages in
``company_views``; both add their routes to this blueprint.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from fablab.accounts import services, tokens
from fablab.accounts.auth import start_session
from fablab.accounts.blueprint import bp
from fablab.accounts.forms import (
    ApiTokenForm,
    FinishSignupForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
    show_error,
)
from fablab.accounts.models import ApiToken
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.security import attempts
from fablab.templating import is_safe_redirect
from fablab.transaction import commit, rollback


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on our host, else None.

    Besides ``is_safe_redirect``, refuse what browsers rewrite into another
    host: backslashes (``/\\evil``) and control characters (``/\\t/evil``).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target if is_safe_redirect(target) else None


def redirect_next(default_endpoint: str = "main.index"):
    target = safe_next(request.args.get("next"))
    return redirect(target or url_for(default_endpoint))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect_next()
    form = LoginForm()
    if form.validate_on_submit():
        wait = attempts.seconds_blocked(form.email.data)
        if wait:
            form.password.errors = [attempts.too_many_attempts(wait)]
            return render_login(form, 429, {"Retry-After": str(wait)})
        user = services.authenticate(email=form.email.data, password=form.password.data)
        if user is not None and start_session(user, remember=form.remember.data):
            session["locale"] = user.locale
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect_next()
        attempts.record_failure(form.email.data)
        # One message whatever failed: nobody learns which e-mails have an account.
        form.password.errors = [_("Wrong e-mail or password.")]
    return render_login(form)


def render_login(form: LoginForm, status: int = 200, headers: dict | None = None):
    page = render_template(
        "accounts/login.html", form=form, next=safe_next(request.args.get("next"))
    )
    return page, status, headers or {}


@bp.post("/logout")
def logout():
    # Logging out ends this account's sessions everywhere: a copied cookie dies too.
    if current_user.is_authenticated:
        services.revoke_sessions(user=current_user)
        commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect_next()
    form = SignupForm()
    if request.method == "GET":
        form.locale.data = session.get("locale") or _browser_locale()
        form.email.data = request.args.get("email", "")[:254] or None
    if form.validate_on_submit():
        try:
            services.start_signup(
                email=form.email.data,
                name=form.name.data,
                locale=form.locale.data,
                next_url=safe_next(request.args.get("next")),
            )
            commit()
        except DomainError as error:
            rollback()
            show_error(form, error)
        else:
            # The same answer whether or not the address has an account: the
            # mail (a link to finish, or a warning to the owner) says the rest.
            flash(
                _(
                    "Check your mailbox to finish: we have sent a message to %(email)s.",
                    email=form.email.data.strip(),
                ),
                "info",
            )
            return redirect(url_for("main.index"))
    return render_template(
        "accounts/signup.html", form=form, next=safe_next(request.args.get("next"))
    )


def _link_invalid(again_url: str, again_text: str):
    return render_template(
        "accounts/link_invalid.html", again_url=again_url, again_text=again_text
    ), 400


@bp.route("/signup/finish/<token>", methods=["GET", "POST"])
def finish_signup(token: str):
    """The link of the sign-up mail: choose a password, and the account exists."""
    pending = tokens.signup_for_token(token)
    if pending is None:
        return _link_invalid(url_for("accounts.signup"), _("Sign up again"))
    if services.find_user_by_email(pending["email"]) is not None:
        # Only who reads the mailbox holds this link: telling them is no leak.
        flash(_("Your account already exists: log in."), "info")
        return redirect(url_for("accounts.login", next=safe_next(pending["next"])))
    form = FinishSignupForm()
    if request.method == "GET":
        form.name.data = pending["name"]
    if form.validate_on_submit():
        try:
            user = services.register_user(
                email=pending["email"],
                password=form.password.data,
                name=form.name.data,
                locale=pending["locale"],
            )
            commit()
        except DomainError as error:
            rollback()
            show_error(form, error)
        else:
            start_session(user)
            session["locale"] = user.locale
            flash(_("Your account is ready. Welcome!"), "success")
            return redirect(safe_next(pending["next"]) or url_for("main.index"))
    return render_template("accounts/signup_finish.html", form=form, email=pending["email"])


def _browser_locale() -> str:
    return request.accept_languages.best_match(services.LANGUAGES) or "fr"


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data)
        commit()
        # The same answer whether or not the address has an account.
        flash(
            _("If an account uses this address, we have sent it a link to choose a new password."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = tokens.user_for_reset_token(token)
    if user is None:
        return _link_invalid(url_for("accounts.forgot_password"), _("Ask for a new link"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user=user, new=form.password.data)
            commit()
        except DomainError as error:
            rollback()
            show_error(form, error)
        else:
            flash(_("Your password has been changed. You can log in now."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


# --- profile -----------------------------------------------------------------


def render_profile(
    status: int = 200,
    *,
    profile_form: ProfileForm | None = None,
    password_form: PasswordChangeForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_secret: str | None = None,
):
    """The profile page with its three forms (the one just sent keeps its errors)."""
    user = current_user
    if profile_form is None:
        profile_form = ProfileForm(formdata=None, obj=user, prefix="profile")
    return render_template(
        "accounts/profile.html",
        profile_form=profile_form,
        password_form=password_form or PasswordChangeForm(formdata=None, prefix="password"),
        token_form=token_form or ApiTokenForm(formdata=None, prefix="token"),
        api_tokens=db.session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        ).all(),
        new_secret=new_secret,
    ), status


@bp.get("/profile")
@login_required
def profile():
    return render_profile()


@bp.post("/profile")
@login_required
def update_profile():
    form = ProfileForm(prefix="profile")
    if not form.validate_on_submit():
        return render_profile(422, profile_form=form)
    services.update_profile(
        user=current_user,
        name=form.name.data,
        phone=form.phone.data,
        locale=form.locale.data,
        address=form.address.data or "",
    )
    commit()
    session["locale"] = current_user.locale
    flash(_("Your profile is saved."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/password")
@login_required
def change_password():
    form = PasswordChangeForm(prefix="password")
    if form.validate_on_submit():
        try:
            services.change_password(
                user=current_user, current=form.current_password.data, new=form.password.data
            )
            commit()
        except DomainError as error:
            rollback()
            show_error(form, error)
        else:
            # Every other session has ended; this one goes on with the new version.
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            start_session(current_user._get_current_object(), remember=cookie in request.cookies)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_profile(422, password_form=form)


@bp.post("/profile/tokens")
@login_required
def create_token():
    form = ApiTokenForm(prefix="token")
    if not form.validate_on_submit():
        return render_profile(422, token_form=form)
    _, secret = tokens.create_api_token(user=current_user, name=form.name.data)
    commit()
    # Shown in this response only: the secret is never stored nor flashed.
    return render_profile(201, new_secret=secret)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    tokens.revoke_api_token(token=token)
    commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.profile"))


# Route modules register themselves on the blueprint.
from fablab.accounts import company_views, manage_views  # noqa: E402,F401
