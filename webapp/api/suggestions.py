"""Children's suggestions over JSON."""

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.api import bp
from webapp.children.views import danger_level, help_for
from webapp.extensions import db
from webapp.models import Channel
from webapp.services import suggestions, tracking
from webapp.services.errors import DomainError
from webapp.web import client_key

FIELDS = ("text", "kind", "age_band", "area", "place")
CHOICES = ("public", "family_may_read")  # true or false; missing is no


class BadRequest(DomainError):
    code = "bad_request"
    message = _l("Please send a JSON object.")


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db.session.rollback()
    return {"error": exc.code, "message": str(exc.message)}, exc.http_status


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest()
    for field in FIELDS:
        value = body.get(field)
        if value is not None and not isinstance(value, str):
            raise BadRequest(_("The field %(field)s must be text.", field=field))
    for field in CHOICES:
        value = body.get(field)
        if value is not None and not isinstance(value, bool):
            raise BadRequest(_("The field %(field)s must be true or false.", field=field))
    return body


@bp.post("/suggestions")
def create():
    body = _json_body()
    created = suggestions.create_suggestion(
        text=body.get("text"),
        kind=body.get("kind"),
        channel=Channel.API,
        age_band=body.get("age_band"),
        area_code=body.get("area"),
        place=body.get("place"),
        # Nothing is shared unless the child said so.
        public=body.get("public") is True,
        family_may_read=body.get("family_may_read") is True,
    )
    db.session.commit()
    s = created.suggestion
    return {
        "code": created.code,
        "status": s.status,
        "agency": s.agency.code if s.agency else None,
        "urgent": s.urgent,
        "danger": danger_level(s),
        "help": help_for(s),  # what to show the child about danger; null for ordinary items
    }, 201


@bp.get("/suggestions/<code>")
def show(code):
    suggestion = suggestions.get_by_code(code, client_key())
    return {
        **tracking.child_view(suggestion),
        "danger": danger_level(suggestion),
        "help": help_for(suggestion),
    }


@bp.post("/suggestions/<code>/rating")
def rate(code):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("comment", ""), (str, type(None))):
        raise BadRequest()
    suggestion = suggestions.rate(code, client_key(), body.get("rating"), body.get("comment"))
    db.session.commit()
    return {"status": suggestion.status, "rating": suggestion.rating}
