"""JSON API: the same services as the pages, for other front ends."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from webapp.api import staff, suggestions  # noqa: E402,F401
