"""What staff do with an item: the queue, the actions and the time limits.

Every action is one call that checks who may do it, changes the state, keeps the
queue columns (is_open, queue_rank, due_at) in step and writes an Event.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, tuple_

from webapp.extensions import db
from webapp.models import (
    OPEN_STATUSES, Agency, Area, Decision, Note, Reply, StaffUser, Status, Suggestion, utcnow,
)
from webapp.services import council, errors, events, outbox, priority
from webapp.services.workdays import add_working_days

COORDINATOR = "coord"
MAX_REASON_LENGTH = 500
MAX_ANSWER_PART_LENGTH = 2000
PAGE_SIZE = 50


# --- access ---------------------------------------------------------------

def can_see(user: StaffUser, suggestion: Suggestion) -> bool:
    return user.sees_all_agencies or suggestion.agency_id == user.agency_id


def get_item(user: StaffUser, suggestion_id: int) -> Suggestion:
    """An item the user may see; any other id is simply not found."""
    suggestion = db.session.get(Suggestion, suggestion_id) if suggestion_id else None
    if suggestion is None or suggestion.analysed_at is None or not can_see(user, suggestion):
        raise errors.ItemNotFound()
    return suggestion


def _require_coordinator(user: StaffUser) -> None:
    if not user.sees_all_agencies:
        raise errors.NotAllowed()


def _require_open(suggestion: Suggestion, *allowed: str) -> None:
    if suggestion.status not in (allowed or OPEN_STATUSES):
        raise errors.WrongState()


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise errors.ReasonRequired()
    if len(reason) > MAX_REASON_LENGTH:
        raise errors.ReasonTooLong()
    return reason


# --- queue position and time limits -----------------------------------------

def place_in_queue(suggestion: Suggestion, agency: Agency, now: datetime | None = None) -> None:
    """Give the item to `agency` with fresh deadlines (routing, transfer, return)."""
    now = now or utcnow()
    suggestion.agency = agency
    suggestion.accepted_at = None
    suggestion.accept_due_at = (
        now + timedelta(hours=agency.urgent_hours) if suggestion.urgent
        else add_working_days(now, agency.accept_days)
    )
    suggestion.answer_due_at = add_working_days(
        now, agency.complex_answer_days if suggestion.complex else agency.answer_days
    )
    _set_due(suggestion, suggestion.accept_due_at)


def _set_due(suggestion: Suggestion, due: datetime | None) -> None:
    suggestion.is_open = due is not None
    suggestion.queue_rank = priority.queue_rank(suggestion)
    suggestion.due_at = due
    suggestion.escalated_at = None  # a new deadline may be escalated again


def _leave_queue(suggestion: Suggestion) -> None:
    _set_due(suggestion, None)


def agency_by_code(code: str) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise errors.UnknownAgency()
    return agency


# --- actions ----------------------------------------------------------------

def accept(user: StaffUser, suggestion: Suggestion) -> None:
    """签收: the agency takes the item on; the answer clock is what counts now."""
    _require_open(suggestion, Status.ROUTED, Status.TRANSFERRED, Status.RETURNED)
    suggestion.accepted_at = utcnow()
    _set_due(suggestion, suggestion.answer_due_at)
    events.record(suggestion, "accepted", user.actor, to_status=Status.ACCEPTED,
                  detail={"agency": suggestion.agency.code})
    db.session.flush()


def answer(
    user: StaffUser, suggestion: Suggestion, *, decision: str, why: str, next_steps: str
) -> Reply:
    """Answer in three parts the child reads; linked items get the same answer."""
    _require_open(suggestion)
    if decision not in Decision.ALL:
        raise errors.UnknownDecision()
    why, next_steps = (why or "").strip(), (next_steps or "").strip()
    if not why or not next_steps:
        raise errors.AnswerIncomplete()
    if max(len(why), len(next_steps)) > MAX_ANSWER_PART_LENGTH:
        raise errors.AnswerTooLong()
    reply = _answer_one(user, suggestion, decision, why, next_steps)
    for linked in suggestion.linked:
        if linked.status in OPEN_STATUSES:
            _answer_one(user, linked, decision, why, next_steps, linked_from=suggestion.id)
    db.session.flush()
    return reply


def _answer_one(user, suggestion, decision, why, next_steps, linked_from=None) -> Reply:
    reply = Reply(suggestion=suggestion, agency=user.agency if not user.sees_all_agencies
                  else suggestion.agency, staff_id=user.id, decision=decision, why=why,
                  next_steps=next_steps)
    db.session.add(reply)
    suggestion.answered_at = utcnow()
    _leave_queue(suggestion)
    detail = {"agency": reply.agency.code}
    if linked_from:
        detail["linked_from"] = linked_from
    events.record(suggestion, "answered", user.actor, to_status=Status.ANSWERED, detail=detail)
    council.notify_members_of_answer(suggestion)
    return reply


def transfer(user: StaffUser, suggestion: Suggestion, agency_code: str, reason: str) -> None:
    """Hand the item to another agency, with a reason (a routing correction)."""
    _require_open(suggestion)
    reason = _reason(reason)
    target = agency_by_code(agency_code)
    if target.id == suggestion.agency_id:
        raise errors.SameAgency()
    source = suggestion.agency.code
    place_in_queue(suggestion, target)
    events.record(suggestion, "transferred", user.actor, to_status=Status.TRANSFERRED,
                  detail={"from": source, "agency": target.code, "reason": reason})
    db.session.flush()


def return_to_coordinator(user: StaffUser, suggestion: Suggestion, reason: str) -> None:
    """"Not ours": back to the coordinator's triage with a reason."""
    _require_open(suggestion)
    reason = _reason(reason)
    if suggestion.agency.code == COORDINATOR:
        raise errors.SameAgency()
    source = suggestion.agency.code
    place_in_queue(suggestion, agency_by_code(COORDINATOR))
    events.record(suggestion, "returned", user.actor, to_status=Status.RETURNED,
                  detail={"from": source, "reason": reason})
    db.session.flush()


def reroute(user: StaffUser, suggestion: Suggestion, agency_code: str, reason: str | None = None) -> None:
    """The coordinator sends a triaged or returned item to an agency in one step."""
    _require_coordinator(user)
    transfer(user, suggestion, agency_code, reason or "协调办分派")


def mark_complex(user: StaffUser, suggestion: Suggestion, reason: str) -> None:
    """A complex item gets the longer answer time limit."""
    _require_open(suggestion)
    if suggestion.complex:
        raise errors.WrongState()
    reason = _reason(reason)
    suggestion.complex = True
    start = suggestion.answer_due_at and _routed_at(suggestion)
    suggestion.answer_due_at = add_working_days(start or utcnow(), suggestion.agency.complex_answer_days)
    if suggestion.accepted_at:
        _set_due(suggestion, suggestion.answer_due_at)
    events.record(suggestion, "marked_complex", user.actor, detail={"reason": reason})
    db.session.flush()


def _routed_at(suggestion: Suggestion) -> datetime | None:
    """When the current agency got the item (its answer clock started then)."""
    for event in reversed(suggestion.events):
        if event.action in ("routed", "transferred", "returned"):
            return event.created_at
    return None


def reject(user: StaffUser, suggestion: Suggestion, reason: str) -> None:
    """Spam or abuse, with a reason; never for an urgent item."""
    _require_open(suggestion)
    if suggestion.urgent:
        raise errors.UrgentCannotBeRejected()
    reason = _reason(reason)
    _leave_queue(suggestion)
    events.record(suggestion, "rejected", user.actor, to_status=Status.REJECTED,
                  detail={"reason": reason})
    db.session.flush()


def reopen_after_rating(suggestion: Suggestion) -> None:
    """The child was not satisfied: back into the same agency's queue to answer again."""
    suggestion.answered_at = None
    suggestion.answer_due_at = add_working_days(utcnow(), suggestion.agency.answer_days)
    _set_due(suggestion, suggestion.answer_due_at)


def link(user: StaffUser, suggestion: Suggestion, primary_id: int) -> None:
    """The coordinator marks an item as the same issue as another (answered together)."""
    _require_coordinator(user)
    primary = get_item(user, primary_id)
    if primary.id == suggestion.id or primary.linked_to_id:
        raise errors.WrongState()
    suggestion.linked_to = primary
    events.record(suggestion, "linked", user.actor, detail={"primary": primary.id})
    db.session.flush()


def add_note(user: StaffUser, suggestion: Suggestion, body: str) -> Note:
    body = (body or "").strip()
    if not body:
        raise errors.EmptyText()
    if len(body) > MAX_ANSWER_PART_LENGTH:
        raise errors.AnswerTooLong()
    note = Note(suggestion=suggestion, staff_id=user.id, body=body)
    db.session.add(note)
    events.record(suggestion, "noted", user.actor)
    db.session.flush()
    return note


def reveal_original(user: StaffUser, suggestion: Suggestion) -> str:
    """The child's own words, personal data included: every reveal is an Event."""
    events.record(suggestion, "revealed", user.actor, detail={"field": "text"})
    db.session.flush()
    return suggestion.text


# --- escalation -------------------------------------------------------------

def escalate_overdue(now: datetime | None = None) -> int:
    """Flag items past their deadline to the coordinator, once per deadline."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Suggestion)
        .where(Suggestion.is_open.is_(True), Suggestion.due_at < now,
               Suggestion.escalated_at.is_(None))
        .order_by(Suggestion.due_at).limit(500)
    ).all()
    for suggestion in overdue:
        deadline = "answer" if suggestion.accepted_at else "accept"
        suggestion.escalated_at = now
        events.record(suggestion, "escalated", events.SYSTEM,
                      detail={"agency": suggestion.agency.code, "deadline": deadline})
        outbox.enqueue("agency", COORDINATOR, {"type": "overdue", "suggestion_id": suggestion.id,
                                               "agency": suggestion.agency.code,
                                               "deadline": deadline}, suggestion)
    db.session.flush()
    return len(overdue)


# --- the queue --------------------------------------------------------------

@dataclass(frozen=True)
class QueueFilter:
    agency: str | None = None  # coordinators only
    view: str | None = None  # triage | urgent | overdue | returned (coordinator views)
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


def queue(user: StaffUser, filters: QueueFilter, after: str | None = None,
          limit: int = PAGE_SIZE) -> Page:
    """Open items the user may see: urgent first, then by due time; keyset pages."""
    query = _queue_query(user, filters)
    if after:
        query = query.where(tuple_(Suggestion.queue_rank, Suggestion.due_at, Suggestion.id)
                            > _decode_cursor(after))
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
        query = query.where(Suggestion.agency_id == agency_by_code(COORDINATOR).id)
    elif f.agency:
        query = query.where(Suggestion.agency_id == agency_by_code(f.agency).id)
    if f.view == "urgent":
        query = query.where(Suggestion.urgent.is_(True))
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
        pattern = "%" + f.q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
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
        "overdue": db.session.scalar(base.where(Suggestion.due_at < now)),
    }
    if user.sees_all_agencies:
        coord = agency_by_code(COORDINATOR).id
        result["triage"] = db.session.scalar(base.where(Suggestion.agency_id == coord))
        result["returned"] = db.session.scalar(base.where(Suggestion.status == Status.RETURNED))
    return result

