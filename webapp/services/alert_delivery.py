"""Delivery of alerts and what they say: the worker (webapp.cli) claims an alert's outbox
messages, renders each (no words of the child, no personal data), and reports it sent or
failed; a message given up moves the alert down the rosters at once (webapp.services.alerts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.extensions import db
from webapp.models import Alert, AlertKind, Danger, DutyContact, Outbox, utcnow
from webapp.services import alerts, events, outbox, rosters
from webapp.services.workdays import load_calendar

log = logging.getLogger(__name__)


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
    AlertKind.UNDELIVERED: _l(
        "An alert about this item reached nobody on the duty roster, or nobody acknowledged it."
    ),
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
    return [m.id for m in outbox.claim_due(alerts.CHANNEL, limit, lease_seconds)]


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
        address = (
            contact.email
            or contact.webhook_url
            or (contact.staff.telegram_chat_id if contact.staff and contact.staff.active else None)
        )
    if address is None:  # taken off the roster, or Telegram unlinked since
        failed(message_id, "ContactGone", permanent=True)
        return None
    subject, text = render(alert)
    return Delivery(message_id, rosters.way(contact), address, subject, text)


def delivered(message_id: int) -> None:
    """The send went through: the step is an event."""
    if not outbox.mark_delivered(message_id):
        return
    message = db.session.get(Outbox, message_id)
    alert, contact, step = _parts(message)
    if alert is not None:
        events.record(
            alert.suggestion,
            "alert_sent",
            events.SYSTEM,
            detail={
                "alert": alert.id,
                "kind": alert.kind,
                "step": step,
                "contact": contact.id if contact else None,
                "via": rosters.way(contact) if contact else None,
            },
        )
    db.session.flush()


def failed(
    message_id: int, error: str, *, permanent: bool = False, retry_after: float | None = None
) -> bool:
    """A send failed: back off and retry, or, given up, move the alert on at once.
    Returns True when the message was given up."""
    if permanent:
        outbox.mark_failed(message_id, error)
    elif not outbox.mark_retry(
        message_id,
        error,
        wait_seconds=retry_after,
        max_attempts=current_app.config["ALERT_SEND_ATTEMPTS"],
    ):
        return False
    message = db.session.get(Outbox, message_id, populate_existing=True)
    alert, contact, step = _parts(message)
    if alert is None:
        return True
    events.record(
        alert.suggestion,
        "alert_send_failed",
        events.SYSTEM,
        detail={
            "alert": alert.id,
            "kind": alert.kind,
            "step": step,
            "error": error[:40],
            "contact": contact.id if contact else None,
            "via": rosters.way(contact) if contact else None,
        },
    )
    if alert.acknowledged_at is None and alert.next_step_at is not None and step == alert.step:
        alerts.advance_step(alert, alert.step, alerts.DELIVERY_FAILED, utcnow())
    db.session.flush()
    log.warning("alert %s: a message was given up (%s)", alert.id, error[:40])
    return True


# --- what an alert says ------------------------------------------------------------------------


def console_url(endpoint: str, **values) -> str:
    """A link into the staff console at STAFF_BASE_URL (no request needed)."""
    base = urlsplit(current_app.config["STAFF_BASE_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def _local(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).astimezone(load_calendar().zone).strftime("%Y-%m-%d %H:%M")


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
            lines.append(
                _("Time limit missed: the answer")
                if suggestion.accepted_at
                else _("Time limit missed: accepting the item")
            )
        agency = suggestion.agency or alert.agency
        lines += [
            _("Agency: %(agency)s", agency=agency.name),
            _("Time: %(time)s (Beijing time)", time=_local(alert.created_at)),
            _("Item: #%(id)s", id=suggestion.id),
            _("Open: %(url)s", url=console_url("staff.item", item_id=suggestion.id)),
            _("Acknowledge: %(url)s", url=console_url("staff.acknowledge", item_id=suggestion.id)),
            "",
            _(
                "This alert carries no words of the child and no personal data: log in to read "
                "the item."
            ),
        ]
    return subject, "\n".join(lines)
