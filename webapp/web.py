"""Plumbing shared by every blueprint: error pages, headers, privacy of logs."""

import hashlib
import logging
import re
from datetime import UTC, datetime

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from webapp.services.workdays import load_calendar

# Pages load nothing from elsewhere: no CDN, no inline script.
CSP = "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; frame-ancestors 'none'"
_CODE_IN_PATH = re.compile(r"(/api/v1/suggestions/)[^/\s?]+")


def client_key() -> str:
    """Who is asking, for rate limits: the address and browser, never stored as such."""
    agent = request.headers.get("User-Agent", "")[:200]
    return f"{request.remote_addr}|{hashlib.sha256(agent.encode()).hexdigest()[:16]}"


def localtime(value: datetime | None) -> str:
    """Naive UTC from the database, shown in the city's time."""
    if value is None:
        return "—"
    return value.replace(tzinfo=UTC).astimezone(load_calendar().zone).strftime("%m-%d %H:%M")


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.after_request(_security_headers)
    app.register_error_handler(404, _page_error(404))
    app.register_error_handler(405, _page_error(405))
    app.register_error_handler(413, _page_error(413))
    app.register_error_handler(500, _page_error(500))
    app.register_error_handler(CSRFError, _page_error(400))
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactCodeInPath) for f in logger.filters):
        logger.addFilter(RedactCodeInPath())


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


ERROR_MESSAGES = {
    400: lambda: _("The page was open too long. Please go back and try again."),
    404: lambda: _("This page does not exist."),
    405: lambda: _("This page does not exist."),
    413: lambda: _("That picture is too big. Please choose one smaller than 5 MB."),
    500: lambda: _("Something went wrong on our side. What you sent before is safe."),
}


def _page_error(status: int):
    def handler(error):
        message = ERROR_MESSAGES[status]()
        if request.path.startswith("/api/"):
            return {"error": str(status), "message": message}, status
        return render_template("error.html", message=message), status

    return handler


class RedactCodeInPath(logging.Filter):
    """The API carries tracking codes in its paths; keep them out of access logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _CODE_IN_PATH.sub(r"\1[code]", a) if isinstance(a, str) else a for a in record.args
            )
        return True
