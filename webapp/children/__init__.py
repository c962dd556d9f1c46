"""Pages for children, tablet-first. Imports nothing from the staff side."""

from flask import Blueprint

bp = Blueprint("children", __name__)

from webapp.children import tablet_views, views  # noqa: E402,F401
