"""fablab: bookings, usage, billing and reports for a fab lab."""

from __future__ import annotations

import logging
import os

from flask import Flask, has_request_context, request, session
from flask_login import current_user

from config import Config
from fablab.extensions import babel, csrf, db, login_manager, migrate
from fablab.security import check_secret_key, register_security


def create_app(config: type[Config] | Config = Config) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config)
    check_secret_key(app)
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)
    register_extensions(app)
    register_blueprints(app)
    register_security(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_logging(app)
    return app


def select_locale() -> str | None:
    """The visitor's choice, then their profile, then the browser; None means the default.

    Outside a request (CLI, scheduler jobs) there is no visitor: mails pick the
    recipient's language with ``force_locale`` and the rest uses the default.
    """
    if not has_request_context():
        return None
    languages = ["fr", "en"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or "fr"


def select_timezone() -> str:
    """The lab's zone (settings, else FABLAB_TIMEZONE, default Europe/Paris).

    How dates are *written* in each language is fablab/formatting.py's job."""
    from fablab.machines.zone import lab_zone

    return str(lab_zone())


def register_extensions(app: Flask) -> None:
    from fablab import extensions, models  # noqa: F401  (models: every model, for Alembic)
    from fablab.accounts import auth  # noqa: F401  (login manager loaders)
    from fablab.database import register_database

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(app.root_path, "..", "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Not the bare name `mail`: importing the fablab.mail module rebinds it here.
    extensions.mail.init_app(app)
    register_database(app)


def register_blueprints(app: Flask) -> None:
    from fablab.converters import DatabaseIntegerConverter

    app.url_map.converters["int"] = DatabaseIntegerConverter
    from fablab.accounts.views import bp as accounts_bp
    from fablab.api import bp as api_bp
    from fablab.billing.views import bp as billing_bp
    from fablab.bookings.ops_views import bp as booking_ops_bp
    from fablab.bookings.views import bp as bookings_bp
    from fablab.calendars.views import bp as calendars_bp
    from fablab.events.views import bp as events_bp
    from fablab.health import bp as health_bp
    from fablab.machines.views import bp as machines_bp
    from fablab.main import bp as main_bp
    from fablab.network.web import bp as network_bp
    from fablab.outbox.views import bp as outbox_bp
    from fablab.payments.web import bp as payments_bp
    from fablab.public.web import bp as public_bp
    from fablab.reports.views import bp as reports_bp
    from fablab.usage.views import bp as usage_bp

    for blueprint in (
        health_bp,
        main_bp,
        accounts_bp,
        machines_bp,
        api_bp,
        calendars_bp,
        events_bp,
        booking_ops_bp,
        bookings_bp,
        usage_bp,
        billing_bp,
        payments_bp,
        outbox_bp,
        reports_bp,
        public_bp,
        network_bp,
    ):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from fablab import guards
    from fablab.errors import register

    register(app)
    guards.register(app)


def register_template_helpers(app: Flask) -> None:
    from fablab.templating import register

    register(app)


def register_commands(app: Flask) -> None:
    from fablab.cli import register

    register(app)


def register_logging(app: Flask) -> None:
    from fablab.urls import warn_if_unset

    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        # APScheduler logs every run at INFO; our jobs log what they did themselves.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    warn_if_unset(app)
