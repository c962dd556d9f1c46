"""Staff JSON API with bearer tokens. Items are known by their internal id only."""

from functools import wraps

from flask import g, request

from webapp.api import bp
from webapp.api.suggestions import BadRequest
from webapp.extensions import db
from webapp.models import Suggestion
from webapp.services import alerts, casework, staff, work_queue
from webapp.web import client_key


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        g.staff = staff.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if g.staff is None:
            return (
                {"error": "unauthorized", "message": "Bearer token missing or expired."},
                401,
                {"WWW-Authenticate": "Bearer"},
            )
        return view(*args, **kwargs)

    return wrapper


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest()
    return body


def item_summary(s: Suggestion) -> dict:
    return {
        "id": s.id,
        "kind": s.kind,
        "status": s.status,
        "agency": s.agency.code,
        "urgent": s.urgent,
        "danger": s.danger,
        "topic": s.topic,
        "text": s.redacted_text,
        "due_at": s.due_at.isoformat() + "Z" if s.due_at else None,
        "area": s.area.code if s.area else None,
        "age_band": s.age_band,
    }


def item_detail(s: Suggestion) -> dict:
    return {
        **item_summary(s),
        "place": s.place,
        "channel": s.channel,
        "complex": s.complex,
        "submitter": s.contact.pseudonym if s.contact else None,
        # Which registered tablet (school, library, 儿童之家) sent it, to find the child.
        "tablet": None
        if s.tablet is None
        else {
            "label": s.tablet.label,
            "area": s.tablet.area.code,
            "area_name": s.tablet.area.name,
            "place": s.tablet.place,
            "revoked": s.tablet.revoked_at is not None,
        },
        "alerts": [
            {
                "kind": a.kind,
                "at": a.created_at.isoformat() + "Z",
                "step": a.step,
                "roster": a.agency.code,
                "acknowledged_at": a.acknowledged_at.isoformat() + "Z"
                if a.acknowledged_at
                else None,
            }
            for a in alerts.history(s)
        ],
        "analysis": {
            "sentiment": s.sentiment,
            "confidence": s.confidence,
            "suggested_agencies": s.suggested_agencies,
            "keywords": s.keywords,
            "urgent_reasons": s.urgent_reasons,
        },
        "photos": len(s.photos),
        "history": [
            {
                "at": e.created_at.isoformat() + "Z",
                "action": e.action,
                "actor": e.actor,
                "from": e.from_status,
                "to": e.to_status,
            }
            for e in s.events
        ],
        "answers": [
            {
                "decision": r.decision,
                "why": r.why,
                "next": r.next_steps,
                "at": r.created_at.isoformat() + "Z",
            }
            for r in s.replies
        ],
    }


@bp.post("/staff/token")
def token():
    body = _body()
    user = staff.authenticate(body.get("email"), body.get("password"), client_key())
    raw, row = staff.issue_token(user)
    db.session.commit()
    return {"token": raw, "expires_at": row.expires_at.isoformat() + "Z"}, 201


@bp.get("/staff/queue")
@token_required
def staff_queue():
    args = request.args
    filters = work_queue.QueueFilter(
        agency=args.get("agency"),
        view=args.get("view"),
        status=args.get("status"),
        topic=args.get("topic"),
        area=args.get("area"),
        age_band=args.get("age_band"),
        overdue=args.get("overdue") in ("1", "true"),
        q=args.get("q"),
    )
    limit = args.get("limit", work_queue.PAGE_SIZE, type=int) or work_queue.PAGE_SIZE
    page = work_queue.queue(g.staff, filters, after=args.get("after"), limit=min(limit, 200))
    return {"items": [item_summary(s) for s in page.items], "next": page.next_cursor}


@bp.get("/staff/items/<int:item_id>")
@token_required
def staff_item(item_id):
    return item_detail(casework.get_item(g.staff, item_id))


ACTIONS = {
    "accept": lambda u, s, b: casework.accept(u, s),
    "answer": lambda u, s, b: casework.answer(
        u, s, decision=b.get("decision"), why=b.get("why"), next_steps=b.get("next")
    ),
    "transfer": lambda u, s, b: casework.transfer(u, s, b.get("agency"), b.get("reason")),
    "return": lambda u, s, b: casework.return_to_coordinator(u, s, b.get("reason")),
    "ack": lambda u, s, b: alerts.acknowledge(u, s),
}


@bp.post("/staff/items/<int:item_id>/<any(accept, answer, transfer, return, ack):action>")
@token_required
def staff_action(item_id, action):
    suggestion = casework.get_item(g.staff, item_id)
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict) or any(
        v is not None and not isinstance(v, str) for v in body.values()
    ):
        raise BadRequest()
    ACTIONS[action](g.staff, suggestion, body)
    db.session.commit()
    return (
        item_detail(suggestion)
        if casework.can_see(g.staff, suggestion)
        else ({"id": suggestion.id, "status": suggestion.status, "agency": suggestion.agency.code})
    )
