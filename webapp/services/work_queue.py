"""The staff queue: open items a staff member may see, urgent first, then by due time, in
keyset pages; and how many wait in each view of the console.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, tuple_

from webapp.extensions import db
from webapp.models import AlertKind, Area, Danger, StaffUser, Status, Suggestion, utcnow
from webapp.services import alerts, casework, errors

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    agency: str | None = None  # coordinators only
    view: str | None = None  # triage | urgent | review | overdue | returned
    status: str | None = None
    topic: str | None = None
    area: str | None = None
    age_band: str | None = None
    overdue: bool = False
    q: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Suggestion]
    next_cursor: str | None


def queue(
    user: StaffUser, filters: QueueFilter, after: str | None = None, limit: int = PAGE_SIZE
) -> Page:
    """Open items the user may see: urgent first, then by due time; keyset pages."""
    query = _queue_query(user, filters)
    if after:
        query = query.where(
            tuple_(Suggestion.queue_rank, Suggestion.due_at, Suggestion.id) > _decode_cursor(after)
        )
    rows = db.session.scalars(
        query.order_by(Suggestion.queue_rank, Suggestion.due_at, Suggestion.id).limit(limit + 1)
    ).all()
    items = list(rows[:limit])
    cursor = _encode_cursor(items[-1]) if len(rows) > limit else None
    return Page(items, cursor)


def _queue_query(user: StaffUser, f: QueueFilter) -> Select:
    query = select(Suggestion).where(Suggestion.is_open.is_(True))
    if not user.sees_all_agencies:
        query = query.where(Suggestion.agency_id == user.agency_id)
    elif f.view == "triage":
        query = query.where(
            Suggestion.agency_id == casework.agency_by_code(casework.COORDINATOR).id
        )
    elif f.agency:
        query = query.where(Suggestion.agency_id == casework.agency_by_code(f.agency).id)
    if f.view == "urgent":
        query = query.where(Suggestion.urgent.is_(True))
    if f.view == "review":
        query = query.where(Suggestion.danger == Danger.REVIEW)
    if f.view == "returned":
        query = query.where(Suggestion.status == Status.RETURNED)
    if f.overdue or f.view == "overdue":
        query = query.where(Suggestion.due_at < utcnow())
    if f.status:
        query = query.where(Suggestion.status == f.status)
    if f.topic:
        query = query.where(Suggestion.topic == f.topic)
    if f.age_band:
        query = query.where(Suggestion.age_band == f.age_band)
    if f.area:
        area = db.session.scalar(select(Area).where(Area.code == f.area))
        codes = [f.area] if area is None else _area_and_below(area)
        query = query.where(Suggestion.area_id.in_(select(Area.id).where(Area.code.in_(codes))))
    if f.q:
        pattern = (
            "%" + f.q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(Suggestion.redacted_text.like(pattern, escape="\\"))
    return query


def _area_and_below(area) -> list[str]:
    codes, stack = [], [area]
    while stack:
        current = stack.pop()
        codes.append(current.code)
        stack.extend(current.children)
    return codes


def _encode_cursor(s: Suggestion) -> str:
    return f"{s.queue_rank}_{s.due_at.isoformat()}_{s.id}"


def _decode_cursor(cursor: str) -> tuple:
    try:
        rank, due, ident = cursor.split("_")
        return int(rank), datetime.fromisoformat(due), int(ident)
    except ValueError:
        raise errors.BadCursor() from None


def counts(user: StaffUser) -> dict[str, int]:
    """How many items wait in each coordinator view (or in my queue)."""
    base = select(func.count()).select_from(Suggestion).where(Suggestion.is_open.is_(True))
    if not user.sees_all_agencies:
        base = base.where(Suggestion.agency_id == user.agency_id)
    now = utcnow()
    result = {
        "open": db.session.scalar(base),
        "urgent": db.session.scalar(base.where(Suggestion.urgent.is_(True))),
        "review": db.session.scalar(base.where(Suggestion.danger == Danger.REVIEW)),
        "overdue": db.session.scalar(base.where(Suggestion.due_at < now)),
        "waiting": alerts.waiting_count(user),
        "review_waiting": alerts.waiting_count(user, (AlertKind.REVIEW,)),
    }
    if user.sees_all_agencies:
        coord = casework.agency_by_code(casework.COORDINATOR).id
        result["triage"] = db.session.scalar(base.where(Suggestion.agency_id == coord))
        result["returned"] = db.session.scalar(base.where(Suggestion.status == Status.RETURNED))
    return result
