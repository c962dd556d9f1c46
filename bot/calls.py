"""One unit of work per call: a service in a worker thread, inside the Flask app.

Services are synchronous (Flask-SQLAlchemy). Handlers reach them through `call`,
which runs the function in a thread with an app context and the bot's locale,
commits after success and rolls back on any error. The function renders what the
handler needs (text, buttons) before the context closes, so no database object
leaves the thread.
"""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from flask import Flask
from flask_babel import force_locale
from telegram.ext import Application, CallbackContext

from webapp.extensions import db
from webapp.services.errors import DomainError

T = TypeVar("T")
FLASK_APP = "flask_app"


class Refused(Exception):
    """A service refused (a DomainError), with its message already in the guardian's language."""

    def __init__(self, text: str, code: str):
        super().__init__(code)
        self.text = text
        self.code = code


def flask_app(context: CallbackContext | Application) -> Flask:
    application = context if isinstance(context, Application) else context.application
    return application.bot_data[FLASK_APP]


def locale(app: Flask) -> str:
    return app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")


def in_unit_of_work(app: Flask, fn: Callable[..., T], *args, **kwargs) -> T:
    """Run fn in an app context and the bot's locale; commit on success, roll back on error."""
    with app.app_context(), force_locale(locale(app)):
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except DomainError as exc:
            db.session.rollback()
            raise Refused(str(exc.message), exc.code) from None
        except BaseException:
            db.session.rollback()
            raise


async def call(context: CallbackContext | Application, fn: Callable[..., T], *args, **kwargs) -> T:
    """Await fn(*args, **kwargs) as one unit of work in a worker thread."""
    return await asyncio.to_thread(in_unit_of_work, flask_app(context), fn, *args, **kwargs)
