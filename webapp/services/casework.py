"""What staff do with an item: the actions and the time limits (the queue: work_queue).

Every action is one call that checks who may do it, changes the state, keeps the
queue columns (is_open, queue_rank, due_at) in step and writes an Event. Danger found
after routing, and the coordinator's review of it, are here too: they move the item.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    OPEN_STATUSES,
    Agency,
    AlertKind,
    Danger,
    Decision,
    Note,
    Reply,
    StaffUser,
    Status,
    Suggestion,
    utcnow,
)
from webapp.services import alerts, council_notices, errors, events, priority
from webapp.services.workdays import add_working_days

COORDINATOR = "coord"
MAX_REASON_LENGTH = 500
MAX_ANSWER_PART_LENGTH = 2000
MAX_ID = 2**63 - 1  # ids in a URL can be any size; the database's cannot


def valid_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


# --- access ---------------------------------------------------------------


def can_see(user: StaffUser, suggestion: Suggestion) -> bool:
    return user.sees_all_agencies or suggestion.agency_id == user.agency_id


def get_item(user: StaffUser, suggestion_id: int) -> Suggestion:
    """An item the user may see; any other id is simply not found."""
    suggestion = db.session.get(Suggestion, suggestion_id) if valid_id(suggestion_id) else None
    if suggestion is None or suggestion.analysed_at is None or not can_see(user, suggestion):
        raise errors.ItemNotFound()
    return suggestion


def require_coordinator(user: StaffUser) -> None:
    if not user.sees_all_agencies:
        raise errors.NotAllowed()


def _require_open(suggestion: Suggestion, *allowed: str) -> None:
    if suggestion.status not in (allowed or OPEN_STATUSES):
        raise errors.WrongState()


def clean_reason(reason: str | None) -> str:
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
        now + timedelta(hours=agency.urgent_hours)
        if suggestion.urgent
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
    events.record(
        suggestion,
        "accepted",
        user.actor,
        to_status=Status.ACCEPTED,
        detail={"agency": suggestion.agency.code},
    )
    # Taking the item on is acting on it: its urgent and overdue alerts stop.
    alerts.acknowledge(user, suggestion, alerts.SETTLED_BY_CASEWORK, required=False)
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
    reply = Reply(
        suggestion=suggestion,
        agency=user.agency if not user.sees_all_agencies else suggestion.agency,
        staff_id=user.id,
        decision=decision,
        why=why,
        next_steps=next_steps,
    )
    db.session.add(reply)
    suggestion.answered_at = utcnow()
    _leave_queue(suggestion)
    detail = {"agency": reply.agency.code}
    if linked_from:
        detail["linked_from"] = linked_from
    events.record(suggestion, "answered", user.actor, to_status=Status.ANSWERED, detail=detail)
    alerts.acknowledge(user, suggestion, alerts.SETTLED_BY_CASEWORK, required=False)
    council_notices.notify_members_of_answer(suggestion)
    return reply


def transfer(user: StaffUser, suggestion: Suggestion, agency_code: str, reason: str) -> None:
    """Hand the item to another agency, with a reason (a routing correction)."""
    _require_open(suggestion)
    reason = clean_reason(reason)
    target = agency_by_code(agency_code)
    if target.id == suggestion.agency_id:
        raise errors.SameAgency()
    source = suggestion.agency.code
    place_in_queue(suggestion, target)
    events.record(
        suggestion,
        "transferred",
        user.actor,
        to_status=Status.TRANSFERRED,
        detail={"from": source, "agency": target.code, "reason": reason},
    )
    _alert_new_owner(user, suggestion)
    db.session.flush()


def return_to_coordinator(user: StaffUser, suggestion: Suggestion, reason: str) -> None:
    """ "Not ours": back to the coordinator's triage with a reason."""
    _require_open(suggestion)
    reason = clean_reason(reason)
    if suggestion.agency.code == COORDINATOR:
        raise errors.SameAgency()
    source = suggestion.agency.code
    place_in_queue(suggestion, agency_by_code(COORDINATOR))
    events.record(
        suggestion,
        "returned",
        user.actor,
        to_status=Status.RETURNED,
        detail={"from": source, "reason": reason},
    )
    _alert_new_owner(user, suggestion)
    db.session.flush()


def _alert_new_owner(user: StaffUser, suggestion: Suggestion) -> None:
    """An urgent item that changed hands: the old alert is settled, the new owner's roster hears."""
    if suggestion.urgent:
        alerts.settle(user, suggestion, (AlertKind.URGENT,))
        alerts.raise_alert(suggestion, AlertKind.URGENT, actor=user.actor)


def reroute(
    user: StaffUser, suggestion: Suggestion, agency_code: str, reason: str | None = None
) -> None:
    """The coordinator sends a triaged or returned item to an agency in one step."""
    require_coordinator(user)
    transfer(user, suggestion, agency_code, reason or "协调办分派")


def mark_complex(user: StaffUser, suggestion: Suggestion, reason: str) -> None:
    """A complex item gets the longer answer time limit."""
    _require_open(suggestion)
    if suggestion.complex:
        raise errors.WrongState()
    reason = clean_reason(reason)
    suggestion.complex = True
    start = suggestion.answer_due_at and _routed_at(suggestion)
    suggestion.answer_due_at = add_working_days(
        start or utcnow(), suggestion.agency.complex_answer_days
    )
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
    reason = clean_reason(reason)
    _leave_queue(suggestion)
    events.record(
        suggestion, "rejected", user.actor, to_status=Status.REJECTED, detail={"reason": reason}
    )
    db.session.flush()


def reopen_after_rating(suggestion: Suggestion) -> None:
    """The child was not satisfied: back into the same agency's queue to answer again."""
    suggestion.answered_at = None
    suggestion.answer_due_at = add_working_days(utcnow(), suggestion.agency.answer_days)
    _set_due(suggestion, suggestion.answer_due_at)


def link(user: StaffUser, suggestion: Suggestion, primary_id: int) -> None:
    """The coordinator marks an item as the same issue as another (answered together)."""
    require_coordinator(user)
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
    """Alert the coordinator's roster of items past their deadline, once per deadline."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Suggestion)
        .where(
            Suggestion.is_open.is_(True), Suggestion.due_at < now, Suggestion.escalated_at.is_(None)
        )
        .order_by(Suggestion.due_at)
        .limit(500)
    ).all()
    for suggestion in overdue:
        deadline = "answer" if suggestion.accepted_at else "accept"
        suggestion.escalated_at = now
        events.record(
            suggestion,
            "escalated",
            events.SYSTEM,
            detail={"agency": suggestion.agency.code, "deadline": deadline},
        )
        alerts.raise_alert(suggestion, AlertKind.OVERDUE, now=now)
    db.session.flush()
    return len(overdue)


# --- danger found after routing, and the coordinator's review -----------------


def raise_danger(
    suggestion: Suggestion,
    level: str,
    kinds=(),
    *,
    actor: str = events.SYSTEM,
    source: str = "analysis",
    agency_code: str | None = None,
):
    """Danger found in something said about an item after it was routed (a rating comment):
    the level is raised, never lowered, and a person is alerted. Urgent moves the item to the
    agency that acts on that danger (`agency_code`, from the analysis) and into its queue."""
    if level not in Danger.RAISED:
        return None
    suggestion.urgent_reasons = list(dict.fromkeys([*(suggestion.urgent_reasons or []), *kinds]))
    if level == Danger.REVIEW:
        if suggestion.danger == Danger.NONE:
            suggestion.danger = Danger.REVIEW
            if suggestion.is_open:
                suggestion.queue_rank = priority.queue_rank(suggestion)
        events.record(
            suggestion, "danger_raised", actor, detail={"level": Danger.REVIEW, "source": source}
        )
        return alerts.raise_alert(suggestion, AlertKind.REVIEW, actor=actor)
    to_status = _make_urgent(suggestion, agency_code)
    events.record(
        suggestion,
        "danger_raised",
        actor,
        to_status=to_status,
        detail={"level": Danger.URGENT, "source": source, "agency": suggestion.agency.code},
    )
    return alerts.raise_alert(suggestion, AlertKind.URGENT, actor=actor)


def _make_urgent(suggestion: Suggestion, agency_code: str | None) -> str | None:
    """Urgent, with the owner that acts today and a fresh urgent time limit; the status it
    moves to, if any. Urgent items are always routed, never left in triage."""
    suggestion.danger = Danger.URGENT
    suggestion.urgent = True
    owner = (
        db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency_code
        else suggestion.agency
    )
    if owner is None or owner.code == COORDINATOR:
        suggested = [c for c in (suggestion.suggested_agencies or []) if c != COORDINATOR]
        owner = (
            (
                db.session.scalar(select(Agency).where(Agency.code == suggested[0]))
                if suggested
                else None
            )
            or owner
            or agency_by_code(COORDINATOR)
        )
    if not suggestion.is_open:
        place_in_queue(suggestion, owner)
        return Status.REOPENED
    if owner.id != suggestion.agency_id:
        place_in_queue(suggestion, owner)
        return Status.TRANSFERRED
    if suggestion.accepted_at is None:
        limit = utcnow() + timedelta(hours=owner.urgent_hours)
        suggestion.accept_due_at = min(suggestion.accept_due_at or limit, limit)
        _set_due(suggestion, suggestion.accept_due_at)
    else:
        suggestion.queue_rank = priority.queue_rank(suggestion)
    return None


# A review settles its alert and any that the review alert could not deliver.
REVIEW_ALERTS = (AlertKind.REVIEW, AlertKind.UNDELIVERED)


def _require_review(user: StaffUser, suggestion: Suggestion) -> None:
    require_coordinator(user)
    if suggestion.danger != Danger.REVIEW:
        raise errors.WrongState()


def clear_review(user: StaffUser, suggestion: Suggestion) -> None:
    """The coordinator looked: no danger. The item stays where it is, in normal order."""
    _require_review(user, suggestion)
    suggestion.danger = Danger.NONE
    if suggestion.is_open:
        suggestion.queue_rank = priority.queue_rank(suggestion)
    alerts.settle(user, suggestion, REVIEW_ALERTS)
    events.record(suggestion, "danger_cleared", user.actor, detail={"level": Danger.NONE})
    db.session.flush()


def raise_to_urgent(user: StaffUser, suggestion: Suggestion) -> None:
    """The coordinator looked: a person must act now. Urgent handling and alerts follow."""
    _require_review(user, suggestion)
    alerts.settle(user, suggestion, REVIEW_ALERTS)
    _raise_urgent(suggestion, user.actor, source="review")


def help_requested(suggestion: Suggestion, actor: str) -> None:
    """The sender asked for help now ("send this to the people who can help"): words that
    only need a look today are treated as urgent, since the person writing says they are."""
    if suggestion.danger == Danger.REVIEW:
        _raise_urgent(suggestion, actor, source="help_requested")


def _raise_urgent(suggestion: Suggestion, actor: str, source: str) -> None:
    to_status = _make_urgent(suggestion, None)
    events.record(
        suggestion,
        "danger_raised",
        actor,
        to_status=to_status,
        detail={"level": Danger.URGENT, "source": source, "agency": suggestion.agency.code},
    )
    alerts.raise_alert(suggestion, AlertKind.URGENT, actor=actor)
    db.session.flush()
