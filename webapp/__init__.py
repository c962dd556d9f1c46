"""Tongyan (童言): the Flask application factory."""

from flask import Flask

from config import BASE_DIR, INSTANCE_DIR, Config, config_from_env
from webapp.extensions import babel, csrf, db, migrate


def create_app(config_class: type[Config] | None = None) -> Flask:
    """Build the app: bind extensions, register blueprints, errors and commands."""
    config_class = config_class or config_from_env()
    config_class.check()
    app = Flask(__name__, static_folder=str(BASE_DIR / "static"), instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_class)
    INSTANCE_DIR.mkdir(exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: app.config["BABEL_DEFAULT_LOCALE"])

    from webapp import api, children, cli, participation, staff, web
    from webapp.staff import participation as staff_participation

    app.register_blueprint(children.bp)
    app.register_blueprint(participation.bp)
    app.register_blueprint(staff.bp, url_prefix="/staff")
    app.register_blueprint(staff_participation.bp, url_prefix="/staff")
    app.before_request(staff_participation.confine_facilitators)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    csrf.exempt(api.bp)  # the API takes JSON with no browser session
    web.init_app(app)
    cli.init_app(app)
    return app
