"""consult: the 業務DX相談窓口 application."""
from collections.abc import Mapping

from flask import Flask

from .core import config as config_module


def create_app(config: Mapping | None = None) -> Flask:
    """Create and wire the application; `config` overrides the environment (tests)."""
    app = Flask(__name__, template_folder="../templates", static_folder="static")
    app.config.from_mapping(config_module.from_env())
    if config:
        app.config.from_mapping(config)
    config_module.check(app.config)
    hops = int(app.config.get("CONSULT_TRUSTED_PROXIES") or 0)
    if hops > 0:  # the client's address as the proxies saw it, only from the last `hops` entries
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    from .search import location

    location.check(app.config)  # each host's index on a local disk, never on NFS/SMB
    if not config_module._cli_command():
        from .ops import cluster

        cluster.check_rate_limit_storage(app.config)  # memory:// with several workers: refused
    app.config["MAX_CONTENT_LENGTH"] = app.config["CONSULT_MAX_UPLOAD_MB"] * 1024 * 1024 + 256 * 1024

    from models import db

    from .core.extensions import csrf, limiter, login_manager, migrate, search_state

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    search_state.init_app(app)

    from .core import web

    web.init_app(app)

    from . import cli

    cli.init_app(app)
    return app
