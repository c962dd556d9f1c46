"""Children's participation pages, tablet-first: "me too" on suggestions of a place,
the council tablets in the room, the councils' proposals and answers, observer missions.
Imports nothing from the staff side.
"""

from flask import Blueprint

bp = Blueprint("participation", __name__)

from webapp.participation import views  # noqa: E402,F401
