"""HTTP wiring: blueprints, login manager, template helpers, security headers."""
from flask import Flask, redirect, request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from .errorpages import register_error_handlers
from .extensions import login_manager


def _register_blueprints(app: Flask) -> None:
    """Mount every area of the application."""
    from consult.admin import bp as admin_bp
    from consult.auth import bp as auth_bp
    from consult.cases import bp as cases_bp
    from consult.desk import bp as desk_bp
    from consult.inbox import bp as inbox_bp
    from consult.main import bp as main_bp
    from consult.ops import bp as ops_bp
    from consult.records import bp as records_bp
    from consult.reports import bp as reports_bp
    from consult.tickets import bp as tickets_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(tickets_bp, url_prefix="/tickets")
    app.register_blueprint(desk_bp, url_prefix="/desk")
    app.register_blueprint(cases_bp, url_prefix="/cases")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(records_bp, url_prefix="/records")
    from consult.identity import bp as identity_bp

    app.register_blueprint(identity_bp, url_prefix="/admin")
    app.register_blueprint(inbox_bp)


def _configure_login(app: Flask) -> None:
    """Flask-Login: where to send anonymous users, in Japanese."""
    from consult.auth.service import load_user

    login_manager.login_view = "auth.login"
    login_manager.login_message = "このページを見るにはログインしてください。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)

    @app.before_request
    def force_password_change():
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in ("auth.password", "auth.logout", "static", None)
        ):
            return redirect(url_for("auth.password"))
        return None


def _security_headers(app: Flask) -> None:
    """Headers on every response: CSP without inline scripts, no sniffing, no framing, no shared caching."""

    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("CONSULT_HTTPS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint == "static":
            headers["Cache-Control"] = "public, max-age=3600"  # Flask itself sets no-cache: override
        else:
            headers["Cache-Control"] = "no-store, private"
            headers.setdefault("Pragma", "no-cache")
        return response


def _refuse_nul(app: Flask) -> None:
    """NUL characters (no browser sends them; PostgreSQL cannot store them) in the URL or a form: a 400 page."""
    from .errorpages import render_error

    def has_nul(values) -> bool:
        return any("\x00" in key or any("\x00" in v for v in vs) for key, vs in values.lists())

    @app.before_request
    def refuse_nul():
        if "\x00" in request.path or has_nul(request.args) or (request.method == "POST" and has_nul(request.form)):
            return render_error(400, "使用できない文字（制御文字）が含まれています。入力内容を確認してください。")
        return None


def _repair_outboxes(app: Flask) -> None:
    """Apply index updates that a crashed process left in the outbox (checked every 30 s per process)."""
    from consult.search import sync

    @app.before_request
    def repair():
        if request.endpoint != "static":
            sync.repair_if_due()


class _BoundedInt(IntegerConverter):
    """<int:…> in URLs only matches ids that fit a database integer (a larger one is a 404, not an overflow 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Attach blueprints, login, template filters, headers and error pages."""
    from consult import textfilter
    from consult.ops import logs

    from . import templating

    textfilter.install()
    logs.init_app(app)
    app.url_map.converters["int"] = _BoundedInt  # before the blueprints add their rules
    _register_blueprints(app)
    _configure_login(app)
    from consult.auth import sessions

    sessions.init_app(app)
    templating.init_app(app)
    _security_headers(app)
    _refuse_nul(app)
    _repair_outboxes(app)
    register_error_handlers(app)
