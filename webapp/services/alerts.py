"""Alerts that reach a person: delivery down the duty rosters, acknowledgement (认领).

An Alert says a person must look at an item. It goes through the outbox `agency` channel
to the first contact of the owner's roster and, at the same time, of the coordinator's
roster (the roster of `coord`); not acknowledged within its window, it goes to the next
contact of both rosters, and on down. A delivery that finally fails moves it on at once;
when nobody is left, an alert of kind `undelivered` goes to the coordinator's roster, and
the console shows every alert still waiting. Every step is an Event. An alert carries no
message text and no personal data: the kind of danger, the agency, the time, the item
number and links to the console.

Delivery and the words of an alert: webapp.services.alert_delivery; the rosters:
webapp.services.rosters. Services flush and never commit; the worker (webapp.cli) owns the
units of work of delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.models import (
    Agency,
    Alert,
    AlertKind,
    Danger,
    DutyContact,
    Outbox,
    Role,
    StaffUser,
    Suggestion,
    utcnow,
)
from webapp.services import events, outbox, priority, rosters
from webapp.services.errors import DomainError

CHANNEL = "agency"  # the outbox channel of alerts
ADVANCE_BATCH = 100
BOARD_LIMIT = 200

# Why an alert moved on (Event detail "cause").
NOT_ACKNOWLEDGED = "not_acknowledged"
DELIVERY_FAILED = "delivery_failed"
NOBODY = "nobody_on_roster"

# Alerts a person handling the item settles (签收 or an answer); a review waits for the
# coordinator's own look.
SETTLED_BY_CASEWORK = (AlertKind.URGENT, AlertKind.OVERDUE, AlertKind.UNDELIVERED)


# --- errors -----------------------------------------------------------------------------


class NothingToAcknowledge(DomainError):
    code = "nothing_to_acknowledge"
    http_status = 409
    message = _l("There is no alert waiting on this item: someone has already acknowledged it.")


class NotYourItem(DomainError):
    code = "forbidden"
    http_status = 403
    message = _l("Only staff of the item's agency or the coordinator can acknowledge it.")


# --- raising and moving alerts ------------------------------------------------------------------


def ack_window(kind: str) -> timedelta:
    """How long an alert waits for 认领 before it goes down the roster."""
    name = "URGENT_ACK_MINUTES" if kind == AlertKind.URGENT else "REVIEW_ACK_MINUTES"
    minutes = current_app.config[name]
    return timedelta(minutes=float(minutes))


def _coordinator() -> Agency:
    return rosters.agency_by_code(rosters.COORDINATOR)


def _first_roster(suggestion: Suggestion, kind: str) -> Agency:
    # An urgent item's owner acts; reviews, overdue items and undelivered alerts are the
    # coordinator's (who hears of every alert anyway).
    if kind == AlertKind.URGENT and suggestion.agency is not None:
        return suggestion.agency
    return _coordinator()


def open_alerts(suggestion: Suggestion, kinds=AlertKind.ALL) -> list[Alert]:
    return list(
        db.session.scalars(
            select(Alert)
            .where(
                Alert.suggestion_id == suggestion.id,
                Alert.kind.in_(kinds),
                Alert.acknowledged_at.is_(None),
            )
            .order_by(Alert.id)
        )
    )


def raise_alert(
    suggestion: Suggestion, kind: str, *, actor: str = events.SYSTEM, now: datetime | None = None
) -> Alert:
    """A person must look at this item: queue the alert to the first contacts, in this
    transaction. An urgent or review alert still waiting is not raised twice."""
    now = now or utcnow()
    if kind in (AlertKind.URGENT, AlertKind.REVIEW):
        waiting = open_alerts(suggestion, (kind,))
        if waiting:
            return waiting[0]
    last_round = db.session.scalar(
        select(func.max(Alert.round)).where(
            Alert.suggestion_id == suggestion.id, Alert.kind == kind
        )
    )
    alert = Alert(
        suggestion=suggestion,
        kind=kind,
        agency=_first_roster(suggestion, kind),
        round=0 if last_round is None else last_round + 1,
        step=0,
        created_at=now,
        next_step_at=now + ack_window(kind),
    )
    db.session.add(alert)
    db.session.flush()
    contacts = _contacts_at(alert, 0)
    events.record(
        suggestion,
        "alert_raised",
        actor,
        detail={
            "alert": alert.id,
            "kind": kind,
            "agency": alert.agency.code,
            "contacts": len(contacts),
        },
    )
    if contacts:
        _enqueue(alert, 0, contacts)
    else:
        alert.next_step_at = None
        _end_of_roster(alert, NOBODY, now)
    db.session.flush()
    return alert


def _contacts_at(alert: Alert, step: int) -> list[DutyContact]:
    """Who is told at a step: that place on the first roster and on the coordinator's."""
    lists = [rosters.roster(alert.agency)]
    if alert.agency.code != rosters.COORDINATOR:
        lists.append(rosters.roster(_coordinator()))
    picked: dict[int, DutyContact] = {}
    for contacts in lists:
        if step < len(contacts):
            picked.setdefault(contacts[step].id, contacts[step])
    return list(picked.values())


def _dedup_prefix(alert: Alert) -> str:
    return f"alert:{alert.id}:"


def _messages_of(alert: Alert):
    """The outbox rows of one alert (by the indexed item first, then the key's prefix)."""
    return (
        Outbox.suggestion_id == alert.suggestion_id,
        Outbox.dedup_key.like(_dedup_prefix(alert) + "%"),
    )


def _enqueue(alert: Alert, step: int, contacts: list[DutyContact]) -> None:
    for contact in contacts:
        outbox.enqueue(
            CHANNEL,
            f"duty:{contact.id}",
            {"type": "alert", "alert_id": alert.id, "step": step, "contact_id": contact.id},
            alert.suggestion,
            dedup_key=f"{_dedup_prefix(alert)}{step}:{contact.id}",
        )


def advance_due(now: datetime | None = None) -> int:
    """Move on every alert whose window ran out unacknowledged; returns how many moved."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Alert)
        .where(Alert.acknowledged_at.is_(None), Alert.next_step_at <= now)
        .order_by(Alert.next_step_at)
        .limit(ADVANCE_BATCH)
    ).all()
    return sum(advance_step(alert, alert.step, NOT_ACKNOWLEDGED, now) for alert in due)


def advance_step(alert: Alert, from_step: int, cause: str, now: datetime) -> bool:
    """The next contacts down the rosters, or the end of them. Compare-and-set on the step,
    so two workers never move one alert twice."""
    contacts = _contacts_at(alert, from_step + 1)
    values = (
        {"step": from_step + 1, "next_step_at": now + ack_window(alert.kind)}
        if contacts
        else {"next_step_at": None}
    )
    moved = db.session.execute(
        update(Alert)
        .where(
            Alert.id == alert.id,
            Alert.step == from_step,
            Alert.acknowledged_at.is_(None),
            Alert.next_step_at.is_not(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return False
    db.session.refresh(alert)
    if contacts:
        _enqueue(alert, alert.step, contacts)
        events.record(
            alert.suggestion,
            "alert_escalated",
            events.SYSTEM,
            detail={
                "alert": alert.id,
                "kind": alert.kind,
                "step": alert.step,
                "cause": cause,
                "contacts": len(contacts),
            },
        )
    else:
        _end_of_roster(alert, cause, now)
    db.session.flush()
    return True


def _end_of_roster(alert: Alert, cause: str, now: datetime) -> None:
    """Nobody is left to tell. Never silent: an alert that reached nobody becomes an alert of
    kind undelivered to the coordinator's roster; the console lists whatever still waits."""
    delivered = db.session.scalar(
        select(func.count())
        .select_from(Outbox)
        .where(*_messages_of(alert), Outbox.delivered_at.is_not(None))
    )
    detail = {"alert": alert.id, "kind": alert.kind, "step": alert.step, "cause": cause}
    if alert.kind == AlertKind.UNDELIVERED or (cause == NOT_ACKNOWLEDGED and delivered):
        # Everyone was told (or the coordinator's roster is unreachable too): it waits on
        # the console's urgent view, at the top.
        unanswered = cause == NOT_ACKNOWLEDGED and delivered
        action = "alert_unanswered" if unanswered else "alert_nobody_left"
        events.record(alert.suggestion, action, events.SYSTEM, detail=detail)
        return
    events.record(alert.suggestion, "alert_undelivered", events.SYSTEM, detail=detail)
    raise_alert(alert.suggestion, AlertKind.UNDELIVERED, now=now)


# --- acknowledging (认领) ------------------------------------------------------------------------


def can_acknowledge(user: StaffUser, suggestion: Suggestion) -> bool:
    if user.sees_all_agencies:
        return True
    return (
        user.role != Role.FACILITATOR
        and user.agency_id is not None
        and user.agency_id == suggestion.agency_id
    )


def acknowledge(
    user: StaffUser, suggestion: Suggestion, kinds=AlertKind.ALL, *, required: bool = True
) -> list[Alert]:
    """认领: a person has it. The item's alerts stop going down the roster."""
    if not can_acknowledge(user, suggestion):
        if not required:
            return []
        raise NotYourItem()
    waiting = settle(user, suggestion, kinds)
    if not waiting and required:
        raise NothingToAcknowledge()
    return waiting


def settle(user: StaffUser, suggestion: Suggestion, kinds=AlertKind.ALL) -> list[Alert]:
    """Acknowledge on behalf of a staff action that settles the alerts (an urgent item handed
    to another agency): no check of who may, casework checked the action."""
    waiting = open_alerts(suggestion, kinds)
    if not waiting:
        return []
    now = utcnow()
    for alert in waiting:
        alert.acknowledged_at = now
        alert.acknowledged_by = user
        alert.next_step_at = None
        # Messages not sent yet are no longer needed.
        db.session.execute(
            update(Outbox)
            .where(*_messages_of(alert), Outbox.delivered_at.is_(None), Outbox.failed_at.is_(None))
            .values(failed_at=now, last_error="Acknowledged")
            .execution_options(synchronize_session=False)
        )
    events.record(
        suggestion,
        "alert_acknowledged",
        user.actor,
        detail={"alerts": [a.id for a in waiting], "kinds": sorted({a.kind for a in waiting})},
    )
    db.session.flush()
    return waiting


# --- the console's urgent and review views ----------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    suggestion: Suggestion
    alert: Alert | None  # the alert still waiting for 认领, or the latest one
    waiting: bool  # nobody has acknowledged it yet
    waited_minutes: int  # since the alert was raised
    late: bool  # waiting past its window (a review's 4 hours, an urgent alert's minutes)
    undelivered: bool = False  # an alert about it reached nobody on the rosters


def board(user: StaffUser, view: str, now: datetime | None = None) -> list[BoardRow]:
    """Urgent (or review) items: those nobody acknowledged first, longest waiting first."""
    now = now or utcnow()
    if view == "review":
        kinds, danger, rank = (AlertKind.REVIEW,), Danger.REVIEW, priority.REVIEW
    else:
        kinds = (AlertKind.URGENT, AlertKind.UNDELIVERED)
        danger, rank = Danger.URGENT, priority.URGENT
    waiting = (
        select(Alert).join(Suggestion).where(Alert.kind.in_(kinds), Alert.acknowledged_at.is_(None))
    )
    # The rank keeps the scan on the queue index; the danger picks the items.
    settled = select(Suggestion).where(
        Suggestion.is_open.is_(True), Suggestion.queue_rank == rank, Suggestion.danger == danger
    )
    if not user.sees_all_agencies:
        waiting = waiting.where(Suggestion.agency_id == user.agency_id)
        settled = settled.where(Suggestion.agency_id == user.agency_id)
    rows, seen = [], set()
    waiting = db.session.scalars(
        waiting.order_by(Alert.created_at, Alert.id).limit(BOARD_LIMIT)
    ).all()
    undelivered = {a.suggestion_id for a in waiting if a.kind == AlertKind.UNDELIVERED}
    for alert in waiting:
        if alert.suggestion_id in seen:
            continue
        seen.add(alert.suggestion_id)
        waited = now - alert.created_at
        rows.append(
            BoardRow(
                alert.suggestion,
                alert,
                True,
                int(waited.total_seconds() // 60),
                waited > ack_window(alert.kind),
                alert.suggestion_id in undelivered,
            )
        )
    for suggestion in db.session.scalars(
        settled.order_by(Suggestion.queue_rank, Suggestion.due_at, Suggestion.id).limit(BOARD_LIMIT)
    ):
        if suggestion.id in seen:
            continue
        latest = db.session.scalar(
            select(Alert)
            .where(Alert.suggestion_id == suggestion.id, Alert.kind.in_(kinds))
            .order_by(Alert.id.desc())
            .limit(1)
        )
        waited = ((latest.acknowledged_at or now) - latest.created_at) if latest else timedelta(0)
        rows.append(BoardRow(suggestion, latest, False, int(waited.total_seconds() // 60), False))
    return rows[:BOARD_LIMIT]


def waiting_count(user: StaffUser, kinds=(AlertKind.URGENT, AlertKind.UNDELIVERED)) -> int:
    """Alerts nobody has acknowledged yet, for the console's tabs."""
    query = (
        select(func.count(func.distinct(Alert.suggestion_id)))
        .select_from(Alert)
        .join(Suggestion)
        .where(Alert.kind.in_(kinds), Alert.acknowledged_at.is_(None))
    )
    if not user.sees_all_agencies:
        query = query.where(Suggestion.agency_id == user.agency_id)
    return db.session.scalar(query) or 0


def history(suggestion: Suggestion) -> list[Alert]:
    """Every alert of an item, oldest first (for the item page)."""
    return list(
        db.session.scalars(
            select(Alert).where(Alert.suggestion_id == suggestion.id).order_by(Alert.id)
        )
    )
