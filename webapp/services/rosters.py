"""Duty rosters: who an alert reaches, agency by agency (the coordinator's roster is the
roster of `coord`), and staff members linking their own Telegram chat to be on one.

A contact is reached one way: an e-mail address, a group robot's webhook, or a staff member's
linked Telegram chat. Services flush and never commit.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Agency, DutyContact, StaffUser, utcnow
from webapp.services import codes, errors
from webapp.services.errors import DomainError

log = logging.getLogger(__name__)

COORDINATOR = "coord"
MAX_EMAIL_LENGTH = 254
MAX_URL_LENGTH = 500
LINK_CODE_LIFETIME = timedelta(minutes=15)


# --- errors -----------------------------------------------------------------------------


class BadEmail(DomainError):
    code = "bad_email"
    message = _l("Please enter a valid e-mail address, like duty@example.gov.cn.")


class BadWebhook(DomainError):
    code = "bad_webhook"
    message = _l("Please enter the robot's full web address, starting with https:// or http://.")


class OneWayOnly(DomainError):
    code = "one_way_only"
    message = _l(
        "Please give exactly one way to reach this person: an e-mail address, a "
        "webhook or a staff member with Telegram linked."
    )


class StaffNotLinked(DomainError):
    code = "staff_not_linked"
    message = _l(
        "This staff member has not linked Telegram yet: they can do it in the "
        'console under "My Telegram".'
    )


class StaffOfAnotherAgency(DomainError):
    code = "staff_of_another_agency"
    message = _l(
        "This staff member works for another agency and could not acknowledge that agency's items."
    )


class AlreadyOnRoster(DomainError):
    code = "already_on_roster"
    http_status = 409
    message = _l("This contact is already on that roster.")


class ContactNotFound(DomainError):
    code = "contact_not_found"
    http_status = 404
    message = _l("No such duty contact.")


# --- rosters ---------------------------------------------------------------------------------


def _require_manager(manager: StaffUser | None) -> None:
    # None is the command line, run by whoever runs the server.
    if manager is not None and not manager.sees_all_agencies:
        raise errors.NotAllowed()


def agency_by_code(code: str | None) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.code == (code or "")))
    if agency is None:
        raise errors.UnknownAgency()
    return agency


def roster(agency: Agency) -> list[DutyContact]:
    """An agency's active duty contacts, in the order they were added."""
    return list(
        db.session.scalars(
            select(DutyContact)
            .where(DutyContact.agency_id == agency.id, DutyContact.active.is_(True))
            .order_by(DutyContact.position, DutyContact.id)
        )
    )


def rosters() -> list[tuple[Agency, list[DutyContact]]]:
    """Every agency with its roster, the coordinator's first."""
    agencies = db.session.scalars(select(Agency).order_by(Agency.id)).all()
    by_agency: dict[int, list[DutyContact]] = {a.id: [] for a in agencies}
    for contact in db.session.scalars(
        select(DutyContact)
        .where(DutyContact.active.is_(True))
        .order_by(DutyContact.position, DutyContact.id)
    ):
        by_agency[contact.agency_id].append(contact)
    return sorted(
        ((a, by_agency[a.id]) for a in agencies), key=lambda pair: pair[0].code != COORDINATOR
    )


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
    manager: StaffUser | None,
    agency_code: str,
    *,
    email: str | None = None,
    webhook_url: str | None = None,
    staff_email: str | None = None,
) -> DutyContact:
    """Put a contact at the end of an agency's roster (coord: the coordinator's)."""
    _require_manager(manager)
    agency = agency_by_code(agency_code)
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
            select(StaffUser).where(StaffUser.email == staff_email.strip().lower())
        )
        if staff is None or not staff.active or staff.telegram_chat_id is None:
            raise StaffNotLinked()
        if not staff.sees_all_agencies and staff.agency_id != agency.id:
            raise StaffOfAnotherAgency()
        contact.staff = staff
        same = DutyContact.staff_id == staff.id
    if db.session.scalar(
        select(DutyContact.id).where(
            DutyContact.agency_id == agency.id, DutyContact.active.is_(True), same
        )
    ):
        raise AlreadyOnRoster()
    last = db.session.scalar(
        select(func.max(DutyContact.position)).where(DutyContact.agency_id == agency.id)
    )
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
    for other in db.session.scalars(
        select(StaffUser).where(StaffUser.telegram_chat_id == chat_id, StaffUser.id != user.id)
    ):
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
