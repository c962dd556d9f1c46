"""Alerts that reach a person: duty rosters, delivery down the roster, acknowledgement (认领).

An Alert says a person must look at an item. It goes through the outbox `agency` channel
to the first contact of the owner's roster and, at the same time, of the coordinator's
roster (the roster of `coord`); not acknowledged within its window, it goes to the next
contact of both rosters, and on down. A delivery that finally fails moves it on at once;
when nobody is left, an alert of kind `undelivered` goes to the coordinator's roster, and
the console shows every alert still waiting. Every step is an Event. An alert carries no
message text and no personal data: the kind of danger, the agency, the time, the item
number and links to the console.

Services flush and never commit; the worker (webapp.cli) owns the units of work of delivery.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
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
from webapp.services import codes, errors, events, outbox, priority
from webapp.services.errors import DomainError
from webapp.services.workdays import load_calendar

log = logging.getLogger(__name__)

COORDINATOR = "coord"
CHANNEL = "agency"  # the outbox channel of alerts
MAX_EMAIL_LENGTH = 254
MAX_URL_LENGTH = 500
LINK_CODE_LIFETIME = timedelta(minutes=15)
# No 0/O or 1/I/L: the code is read off a screen and typed into a chat.
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

class BadEmail(DomainError):
    code = "bad_email"
    message = _l("Please enter a valid e-mail address, like duty@example.gov.cn.")


class BadWebhook(DomainError):
    code = "bad_webhook"
    message = _l("Please enter the robot's full web address, starting with https:// or http://.")


class OneWayOnly(DomainError):
    code = "one_way_only"
    message = _l("Please give exactly one way to reach this person: an e-mail address, a "
                 "webhook or a staff member with Telegram linked.")


class StaffNotLinked(DomainError):
    code = "staff_not_linked"
    message = _l("This staff member has not linked Telegram yet: they can do it in the "
                 "console under \"My Telegram\".")


class StaffOfAnotherAgency(DomainError):
    code = "staff_of_another_agency"
    message = _l("This staff member works for another agency and could not acknowledge "
                 "that agency's items.")


class AlreadyOnRoster(DomainError):
    code = "already_on_roster"
    http_status = 409
    message = _l("This contact is already on that roster.")


class ContactNotFound(DomainError):
    code = "contact_not_found"
    http_status = 404
    message = _l("No such duty contact.")


class NothingToAcknowledge(DomainError):
    code = "nothing_to_acknowledge"
    http_status = 409
    message = _l("There is no alert waiting on this item: someone has already acknowledged it.")


class NotYourItem(DomainError):
    code = "forbidden"
    http_status = 403
    message = _l("Only staff of the item's agency or the coordinator can acknowledge it.")


# --- words (Chinese through the catalogue) ---------------------------------------------------

KIND_LABELS = {
    AlertKind.URGENT: _l("Urgent"),
    AlertKind.REVIEW: _l("To review today"),
    AlertKind.OVERDUE: _l("Overdue"),
    AlertKind.UNDELIVERED: _l("Alert not delivered"),
}

_INTRO = {
    AlertKind.URGENT: _l("A person must act now: please open the item and acknowledge it."),
    AlertKind.REVIEW: _l("A person must look at this item today and acknowledge it."),
    AlertKind.OVERDUE: _l("This item has passed its time limit."),
    AlertKind.UNDELIVERED: _l("An alert about this item reached nobody on the duty roster, "
                              "or nobody acknowledged it."),
}

_HARMED = _l("A child may be being harmed")
DANGER_LABELS = {
    "abuse": _HARMED,
    "sexual": _HARMED,
    "violence": _HARMED,
    "neglect": _HARMED,
    "self_harm": _l("A child may hurt themselves"),
    "missing_child": _l("A child may be missing"),
    "stranger": _l("A stranger may be threatening a child"),
    "medical": _l("A child may need urgent medical help"),
    "hazard": _l("A dangerous place"),
    "fire": _l("Fire, smoke, gas or flood"),
}
_DANGER_DEFAULT = _l("A child may be in danger")


def danger_label(kinds) -> str:
    """The kinds of danger in words staff read, without anything the child said."""
    labels = dict.fromkeys(str(DANGER_LABELS.get(kind, _DANGER_DEFAULT)) for kind in kinds or ())
    return "；".join(labels) or str(_DANGER_DEFAULT)


# --- rosters ---------------------------------------------------------------------------------

def _require_manager(manager: StaffUser | None) -> None:
    # None is the command line, run by whoever runs the server.
    if manager is not None and not manager.sees_all_agencies:
        raise errors.NotAllowed()


def _agency(code: str | None) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.code == (code or "")))
    if agency is None:
        raise errors.UnknownAgency()
    return agency


def roster(agency: Agency) -> list[DutyContact]:
    """An agency's active duty contacts, in the order they were added."""
    return list(db.session.scalars(
        select(DutyContact)
        .where(DutyContact.agency_id == agency.id, DutyContact.active.is_(True))
        .order_by(DutyContact.position, DutyContact.id)
    ))


def rosters() -> list[tuple[Agency, list[DutyContact]]]:
    """Every agency with its roster, the coordinator's first."""
    agencies = db.session.scalars(select(Agency).order_by(Agency.id)).all()
    by_agency: dict[int, list[DutyContact]] = {a.id: [] for a in agencies}
    for contact in db.session.scalars(
        select(DutyContact).where(DutyContact.active.is_(True))
        .order_by(DutyContact.position, DutyContact.id)
    ):
        by_agency[contact.agency_id].append(contact)
    return sorted(((a, by_agency[a.id]) for a in agencies),
                  key=lambda pair: pair[0].code != COORDINATOR)


# name@host.tld with no spaces, quotes or separators: one address, safe in a header.
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"'.]+(\.[^@\s<>()\[\],;:\"'.]+)+")


def clean_email(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(value):
        raise BadEmail()
    return value


def clean_webhook(value: str | None) -> str:
    value = (value or "").strip()
    if not value or len(value) > MAX_URL_LENGTH or re.search(r"\s", value):
        raise BadWebhook()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
    except ValueError:
        raise BadWebhook() from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadWebhook()
    return value


def add_contact(
    manager: StaffUser | None, agency_code: str, *, email: str | None = None,
    webhook_url: str | None = None, staff_email: str | None = None,
) -> DutyContact:
    """Put a contact at the end of an agency's roster (coord: the coordinator's)."""
    _require_manager(manager)
    agency = _agency(agency_code)
    given = [v for v in (email, webhook_url, staff_email) if (v or "").strip()]
    if len(given) != 1:
        raise OneWayOnly()
    contact = DutyContact(agency=agency)
    if (email or "").strip():
        contact.email = clean_email(email)
        same = DutyContact.email == contact.email
    elif (webhook_url or "").strip():
        contact.webhook_url = clean_webhook(webhook_url)
        same = DutyContact.webhook_url == contact.webhook_url
    else:
        staff = db.session.scalar(
            select(StaffUser).where(StaffUser.email == staff_email.strip().lower()))
        if staff is None or not staff.active or staff.telegram_chat_id is None:
            raise StaffNotLinked()
        if not staff.sees_all_agencies and staff.agency_id != agency.id:
            raise StaffOfAnotherAgency()
        contact.staff = staff
        same = DutyContact.staff_id == staff.id
    if db.session.scalar(select(DutyContact.id).where(
            DutyContact.agency_id == agency.id, DutyContact.active.is_(True), same)):
        raise AlreadyOnRoster()
    last = db.session.scalar(
        select(func.max(DutyContact.position)).where(DutyContact.agency_id == agency.id))
    contact.position = (last or 0) + 1
    db.session.add(contact)
    db.session.flush()
    log.info("duty contact %s added to the roster of %s", contact.id, agency.code)
    return contact


def deactivate_contact(manager: StaffUser | None, contact_id: int) -> DutyContact:
    """Take a contact off its roster (kept, inactive, so past events still name it)."""
    _require_manager(manager)
    valid = isinstance(contact_id, int) and 0 < contact_id < 2**63
    contact = db.session.get(DutyContact, contact_id) if valid else None
    if contact is None or not contact.active:
        raise ContactNotFound()
    contact.active = False
    db.session.flush()
    log.info("duty contact %s taken off the roster of %s", contact.id, contact.agency.code)
    return contact


def describe(contact: DutyContact) -> str:
    """How a contact is reached, for staff; a webhook's key (its query) is not shown."""
    if contact.email:
        return contact.email
    if contact.webhook_url:
        parts = urlsplit(contact.webhook_url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")
    return contact.staff.email if contact.staff else "—"


def way(contact: DutyContact) -> str:
    return "email" if contact.email else "webhook" if contact.webhook_url else "telegram"


# --- staff link their Telegram chat ---------------------------------------------------------

def new_link_code(user: StaffUser) -> str:
    """A one-time code the staff member sends the bot as /duty CODE (valid 15 minutes)."""
    code = codes.new_one_time_code()
    user.telegram_link_hash = codes.keyed_hash("staff-telegram", code)
    user.telegram_link_expires_at = utcnow() + LINK_CODE_LIFETIME
    db.session.flush()
    return code


def link_staff_chat(code: str, chat_id: int) -> bool:
    """The bot got /duty CODE from chat_id: link that chat to the staff member who has the code.

    False for a wrong, used or expired code (the bot limits tries per chat).
    """
    if not isinstance(code, str) or not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return False
    code = codes.canonical_one_time(code)
    if len(code) != codes.ONE_TIME_LENGTH:
        return False
    digest = codes.keyed_hash("staff-telegram", code)
    user = db.session.scalar(select(StaffUser).where(StaffUser.telegram_link_hash == digest))
    if user is None or not user.active or (user.telegram_link_expires_at or utcnow()) <= utcnow():
        return False
    # One chat reaches one person: a chat linked before to another account moves here.
    for other in db.session.scalars(select(StaffUser).where(
            StaffUser.telegram_chat_id == chat_id, StaffUser.id != user.id)):
        other.telegram_chat_id = None
    db.session.flush()
    user.telegram_chat_id = chat_id
    user.telegram_link_hash = None
    user.telegram_link_expires_at = None
    db.session.flush()
    log.info("staff %s linked a Telegram chat for alerts", user.id)
    return True


def unlink_staff_chat(user: StaffUser) -> None:
    """Stop Telegram alerts to this staff member (their roster places then fail and move on)."""
    user.telegram_chat_id = None
    user.telegram_link_hash = None
    user.telegram_link_expires_at = None
    db.session.flush()


# --- raising and moving alerts ------------------------------------------------------------------

def ack_window(kind: str) -> timedelta:
    """How long an alert waits for 认领 before it goes down the roster."""
    name = "URGENT_ACK_MINUTES" if kind == AlertKind.URGENT else "REVIEW_ACK_MINUTES"
    minutes = current_app.config[name]
    return timedelta(minutes=float(minutes))


def _coordinator() -> Agency:
    return _agency(COORDINATOR)


def _first_roster(suggestion: Suggestion, kind: str) -> Agency:
    # An urgent item's owner acts; reviews, overdue items and undelivered alerts are the
    # coordinator's (who hears of every alert anyway).
    if kind == AlertKind.URGENT and suggestion.agency is not None:
        return suggestion.agency
    return _coordinator()


def open_alerts(suggestion: Suggestion, kinds=AlertKind.ALL) -> list[Alert]:
    return list(db.session.scalars(
        select(Alert).where(Alert.suggestion_id == suggestion.id, Alert.kind.in_(kinds),
                            Alert.acknowledged_at.is_(None)).order_by(Alert.id)))


def raise_alert(suggestion: Suggestion, kind: str, *, actor: str = events.SYSTEM,
                now: datetime | None = None) -> Alert:
    """A person must look at this item: queue the alert to the first contacts, in this
    transaction. An urgent or review alert still waiting is not raised twice."""
    now = now or utcnow()
    if kind in (AlertKind.URGENT, AlertKind.REVIEW):
        waiting = open_alerts(suggestion, (kind,))
        if waiting:
            return waiting[0]
    last_round = db.session.scalar(select(func.max(Alert.round)).where(
        Alert.suggestion_id == suggestion.id, Alert.kind == kind))
    alert = Alert(suggestion=suggestion, kind=kind, agency=_first_roster(suggestion, kind),
                  round=0 if last_round is None else last_round + 1, step=0, created_at=now,
                  next_step_at=now + ack_window(kind))
    db.session.add(alert)
    db.session.flush()
    contacts = _contacts_at(alert, 0)
    events.record(suggestion, "alert_raised", actor, detail={
        "alert": alert.id, "kind": kind, "agency": alert.agency.code, "contacts": len(contacts)})
    if contacts:
        _enqueue(alert, 0, contacts)
    else:
        alert.next_step_at = None
        _end_of_roster(alert, NOBODY, now)
    db.session.flush()
    return alert


def _contacts_at(alert: Alert, step: int) -> list[DutyContact]:
    """Who is told at a step: that place on the first roster and on the coordinator's."""
    lists = [roster(alert.agency)]
    if alert.agency.code != COORDINATOR:
        lists.append(roster(_coordinator()))
    picked: dict[int, DutyContact] = {}
    for contacts in lists:
        if step < len(contacts):
            picked.setdefault(contacts[step].id, contacts[step])
    return list(picked.values())


def _dedup_prefix(alert: Alert) -> str:
    return f"alert:{alert.id}:"


def _messages_of(alert: Alert):
    """The outbox rows of one alert (by the indexed item first, then the key's prefix)."""
    return (Outbox.suggestion_id == alert.suggestion_id,
            Outbox.dedup_key.like(_dedup_prefix(alert) + "%"))


def _enqueue(alert: Alert, step: int, contacts: list[DutyContact]) -> None:
    for contact in contacts:
        outbox.enqueue(
            CHANNEL, f"duty:{contact.id}",
            {"type": "alert", "alert_id": alert.id, "step": step, "contact_id": contact.id},
            alert.suggestion, dedup_key=f"{_dedup_prefix(alert)}{step}:{contact.id}",
        )


def advance_due(now: datetime | None = None) -> int:
    """Move on every alert whose window ran out unacknowledged; returns how many moved."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Alert).where(Alert.acknowledged_at.is_(None), Alert.next_step_at <= now)
        .order_by(Alert.next_step_at).limit(ADVANCE_BATCH)
    ).all()
    return sum(_advance(alert, alert.step, NOT_ACKNOWLEDGED, now) for alert in due)


def _advance(alert: Alert, from_step: int, cause: str, now: datetime) -> bool:
    """The next contacts down the rosters, or the end of them. Compare-and-set on the step,
    so two workers never move one alert twice."""
    contacts = _contacts_at(alert, from_step + 1)
    values = ({"step": from_step + 1, "next_step_at": now + ack_window(alert.kind)}
              if contacts else {"next_step_at": None})
    moved = db.session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.step == from_step, Alert.acknowledged_at.is_(None),
               Alert.next_step_at.is_not(None))
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return False
    db.session.refresh(alert)
    if contacts:
        _enqueue(alert, alert.step, contacts)
        events.record(alert.suggestion, "alert_escalated", events.SYSTEM, detail={
            "alert": alert.id, "kind": alert.kind, "step": alert.step, "cause": cause,
            "contacts": len(contacts)})
    else:
        _end_of_roster(alert, cause, now)
    db.session.flush()
    return True


def _end_of_roster(alert: Alert, cause: str, now: datetime) -> None:
    """Nobody is left to tell. Never silent: an alert that reached nobody becomes an alert of
    kind undelivered to the coordinator's roster; the console lists whatever still waits."""
    delivered = db.session.scalar(select(func.count()).select_from(Outbox).where(
        *_messages_of(alert), Outbox.delivered_at.is_not(None)))
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
    return (user.role != Role.FACILITATOR and user.agency_id is not None
            and user.agency_id == suggestion.agency_id)


def acknowledge(user: StaffUser, suggestion: Suggestion, kinds=AlertKind.ALL, *,
                required: bool = True) -> list[Alert]:
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
            .execution_options(synchronize_session=False))
    events.record(suggestion, "alert_acknowledged", user.actor, detail={
        "alerts": [a.id for a in waiting], "kinds": sorted({a.kind for a in waiting})})
    db.session.flush()
    return waiting


# --- delivery (the worker calls these, one message per transaction) ------------------------------

@dataclass(frozen=True)
class Delivery:
    message_id: int
    way: str  # email | webhook | telegram
    address: str | int
    subject: str
    text: str


def claim_deliveries(limit: int = 20, lease_seconds: int = outbox.LEASE_SECONDS) -> list[int]:
    """Claim due alert messages (a lease, safe with several workers)."""
    return [m.id for m in outbox.claim_due(CHANNEL, limit, lease_seconds)]


def _parts(message: Outbox) -> tuple[Alert | None, DutyContact | None, int | None]:
    payload = message.payload if isinstance(message.payload, dict) else {}
    if payload.get("type") != "alert":
        return None, None, None
    alert = db.session.get(Alert, int(payload.get("alert_id") or 0))
    contact = db.session.get(DutyContact, int(payload.get("contact_id") or 0))
    return alert, contact, payload.get("step")


def prepare(message_id: int) -> Delivery | None:
    """What to send for a claimed message; None when it needs no send (settled here)."""
    message = db.session.get(Outbox, message_id)
    if message is None:
        return None
    alert, contact, _step = _parts(message)
    if alert is None:
        outbox.mark_failed(message_id, "NotAnAlert")
        return None
    if alert.acknowledged_at is not None:
        outbox.mark_failed(message_id, "Acknowledged")
        return None
    address = None
    if contact is not None and contact.active:
        address = contact.email or contact.webhook_url or (
            contact.staff.telegram_chat_id if contact.staff and contact.staff.active else None)
    if address is None:  # taken off the roster, or Telegram unlinked since
        failed(message_id, "ContactGone", permanent=True)
        return None
    subject, text = render(alert)
    return Delivery(message_id, way(contact), address, subject, text)


def delivered(message_id: int) -> None:
    """The send went through: the step is an event."""
    if not outbox.mark_delivered(message_id):
        return
    message = db.session.get(Outbox, message_id)
    alert, contact, step = _parts(message)
    if alert is not None:
        events.record(alert.suggestion, "alert_sent", events.SYSTEM, detail={
            "alert": alert.id, "kind": alert.kind, "step": step,
            "contact": contact.id if contact else None, "via": way(contact) if contact else None})
    db.session.flush()


def failed(message_id: int, error: str, *, permanent: bool = False,
           retry_after: float | None = None) -> bool:
    """A send failed: back off and retry, or, given up, move the alert on at once.
    Returns True when the message was given up."""
    if permanent:
        outbox.mark_failed(message_id, error)
    elif not outbox.mark_retry(message_id, error, wait_seconds=retry_after,
                               max_attempts=current_app.config["ALERT_SEND_ATTEMPTS"]):
        return False
    message = db.session.get(Outbox, message_id, populate_existing=True)
    alert, contact, step = _parts(message)
    if alert is None:
        return True
    events.record(alert.suggestion, "alert_send_failed", events.SYSTEM, detail={
        "alert": alert.id, "kind": alert.kind, "step": step, "error": error[:40],
        "contact": contact.id if contact else None, "via": way(contact) if contact else None})
    if alert.acknowledged_at is None and alert.next_step_at is not None and step == alert.step:
        _advance(alert, alert.step, DELIVERY_FAILED, utcnow())
    db.session.flush()
    log.warning("alert %s: a message was given up (%s)", alert.id, error[:40])
    return True


# --- what an alert says ------------------------------------------------------------------------

def console_url(endpoint: str, **values) -> str:
    """A link into the staff console at STAFF_BASE_URL (no request needed)."""
    base = urlsplit(current_app.config["STAFF_BASE_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def _local(moment: datetime) -> str:
    return (moment.replace(tzinfo=UTC).astimezone(load_calendar().zone)
            .strftime("%Y-%m-%d %H:%M"))


def render(alert: Alert) -> tuple[str, str]:
    """Subject and text of an alert: no words of the child, no personal data."""
    suggestion = alert.suggestion
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        kind = str(KIND_LABELS.get(alert.kind, alert.kind))
        subject = _("[Tongyan] %(kind)s: item #%(id)s", kind=kind, id=suggestion.id)
        # The subject heads the text too: a group robot or a chat shows no subject.
        lines = [subject, str(_INTRO.get(alert.kind, "")), ""]
        if suggestion.danger in Danger.RAISED or alert.kind in (AlertKind.URGENT, AlertKind.REVIEW):
            lines.append(_("What: %(danger)s", danger=danger_label(suggestion.urgent_reasons)))
        if alert.kind == AlertKind.OVERDUE:
            lines.append(_("Time limit missed: the answer") if suggestion.accepted_at
                         else _("Time limit missed: accepting the item"))
        agency = suggestion.agency or alert.agency
        lines += [
            _("Agency: %(agency)s", agency=agency.name),
            _("Time: %(time)s (Beijing time)", time=_local(alert.created_at)),
            _("Item: #%(id)s", id=suggestion.id),
            _("Open: %(url)s", url=console_url("staff.item", item_id=suggestion.id)),
            _("Acknowledge: %(url)s", url=console_url("staff.acknowledge", item_id=suggestion.id)),
            "",
            _("This alert carries no words of the child and no personal data: log in to read "
              "the item."),
        ]
    return subject, "\n".join(lines)


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
    waiting = select(Alert).join(Suggestion).where(
        Alert.kind.in_(kinds), Alert.acknowledged_at.is_(None))
    # The rank keeps the scan on the queue index; the danger picks the items.
    settled = select(Suggestion).where(Suggestion.is_open.is_(True), Suggestion.queue_rank == rank,
                                       Suggestion.danger == danger)
    if not user.sees_all_agencies:
        waiting = waiting.where(Suggestion.agency_id == user.agency_id)
        settled = settled.where(Suggestion.agency_id == user.agency_id)
    rows, seen = [], set()
    waiting = db.session.scalars(
        waiting.order_by(Alert.created_at, Alert.id).limit(BOARD_LIMIT)).all()
    undelivered = {a.suggestion_id for a in waiting if a.kind == AlertKind.UNDELIVERED}
    for alert in waiting:
        if alert.suggestion_id in seen:
            continue
        seen.add(alert.suggestion_id)
        waited = now - alert.created_at
        rows.append(BoardRow(alert.suggestion, alert, True, int(waited.total_seconds() // 60),
                             waited > ack_window(alert.kind),
                             alert.suggestion_id in undelivered))
    for suggestion in db.session.scalars(
            settled.order_by(Suggestion.queue_rank, Suggestion.due_at, Suggestion.id)
            .limit(BOARD_LIMIT)):
        if suggestion.id in seen:
            continue
        latest = db.session.scalar(select(Alert).where(
            Alert.suggestion_id == suggestion.id, Alert.kind.in_(kinds))
            .order_by(Alert.id.desc()).limit(1))
        waited = ((latest.acknowledged_at or now) - latest.created_at) if latest else timedelta(0)
        rows.append(BoardRow(suggestion, latest, False, int(waited.total_seconds() // 60), False))
    return rows[:BOARD_LIMIT]


def waiting_count(user: StaffUser, kinds=(AlertKind.URGENT, AlertKind.UNDELIVERED)) -> int:
    """Alerts nobody has acknowledged yet, for the console's tabs."""
    query = select(func.count(func.distinct(Alert.suggestion_id))).select_from(Alert).join(
        Suggestion).where(Alert.kind.in_(kinds), Alert.acknowledged_at.is_(None))
    if not user.sees_all_agencies:
        query = query.where(Suggestion.agency_id == user.agency_id)
    return db.session.scalar(query) or 0


def history(suggestion: Suggestion) -> list[Alert]:
    """Every alert of an item, oldest first (for the item page)."""
    return list(db.session.scalars(
        select(Alert).where(Alert.suggestion_id == suggestion.id).order_by(Alert.id)))
