"""Shared tablets that know where they are (a school, a library, a 儿童之家).

The coordinator registers a tablet to an area (and a place there) and gets a one-time
setup code, valid 24 hours. Typed on the tablet at /kiosk/setup, the code is swapped for
a long random token kept in the tablet's cookie; only keyed hashes of the code and the
token are stored, so a copy of the database sets up no tablet. Its submissions carry its
area and place unless the child chose another, and staff see which tablet sent an item.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Area, StaffUser, Tablet, utcnow
from webapp.services import casework, codes, errors, ratelimit
from webapp.services.errors import DomainError

log = logging.getLogger(__name__)

COOKIE = "tablet"
COOKIE_MAX_AGE = 10 * 365 * 86400  # as long as the kiosk cookie: until revoked
SETUP_LIFETIME = timedelta(hours=24)
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100
MAX_LABEL_LENGTH = 80
MAX_PLACE_LENGTH = 200
SETUP_BUCKET = "tablet_setup_failure"
SETUP_FAILURES_PER_WINDOW = 10
SETUP_WINDOW_SECONDS = 15 * 60


class LabelRequired(DomainError):
    code = "label_required"
    message = _l("Please give the tablet a name staff will recognise, like 实验小学三楼图书角.")


class LabelTooLong(DomainError):
    code = "label_too_long"
    message = _l("Please keep the name under 80 characters.")


class TabletNotFound(DomainError):
    code = "tablet_not_found"
    http_status = 404
    message = _l("No such tablet.")


class TabletRevoked(DomainError):
    code = "tablet_revoked"
    http_status = 409
    message = _l("This tablet was revoked. Register it again as a new tablet.")


class BadSetupCode(DomainError):
    code = "bad_setup_code"
    message = _l(
        "This setup code is not right, or it has expired. Please ask the coordinator for a new one."
    )


def _new_setup_code(tablet: Tablet) -> str:
    code = codes.new_one_time_code()
    tablet.setup_hash = codes.keyed_hash("tablet-setup", code)
    tablet.setup_expires_at = utcnow() + SETUP_LIFETIME
    return code


def register(
    user: StaffUser, label: str, area_code: str, place: str | None = None
) -> tuple[Tablet, str]:
    """Register a tablet to an area; returns it and its setup code (shown once)."""
    casework.require_coordinator(user)
    label = (label or "").strip() if isinstance(label, str) else ""
    if not label:
        raise LabelRequired()
    if len(label) > MAX_LABEL_LENGTH:
        raise LabelTooLong()
    area = db.session.scalar(select(Area).where(Area.code == (area_code or "")))
    if area is None:
        raise errors.UnknownArea()
    place = (place or "").strip() if isinstance(place, str) else ""
    if len(place) > MAX_PLACE_LENGTH:
        raise errors.PlaceTooLong()
    tablet = Tablet(label=label, area=area, place=place or None, created_by_id=user.id)
    code = _new_setup_code(tablet)
    db.session.add(tablet)
    db.session.flush()
    log.info("tablet %s registered to area %s", tablet.id, area.code)
    return tablet, code


def _get(tablet_id: int) -> Tablet:
    valid = isinstance(tablet_id, int) and 0 < tablet_id < 2**63
    tablet = db.session.get(Tablet, tablet_id) if valid else None
    if tablet is None:
        raise TabletNotFound()
    return tablet


def new_setup_code(user: StaffUser, tablet_id: int) -> tuple[Tablet, str]:
    """A fresh setup code (the old one is void), e.g. after the tablet's browser was reset."""
    casework.require_coordinator(user)
    tablet = _get(tablet_id)
    if tablet.revoked_at is not None:
        raise TabletRevoked()
    code = _new_setup_code(tablet)
    db.session.flush()
    return tablet, code


def set_up(code: str, client: str) -> tuple[Tablet, str]:
    """On the tablet: swap a setup code for the token its cookie keeps. Failed codes are
    limited per client, so codes cannot be guessed."""
    if ratelimit.count(SETUP_BUCKET, client, SETUP_WINDOW_SECONDS) >= SETUP_FAILURES_PER_WINDOW:
        raise errors.TooManyTries()
    canonical = codes.canonical_one_time(code) if isinstance(code, str) else ""
    tablet = None
    if 0 < len(canonical) <= 16:
        tablet = db.session.scalar(
            select(Tablet).where(Tablet.setup_hash == codes.keyed_hash("tablet-setup", canonical))
        )
    if (
        tablet is None
        or tablet.revoked_at is not None
        or (tablet.setup_expires_at or utcnow()) <= utcnow()
    ):
        ratelimit.hit(SETUP_BUCKET, client, SETUP_WINDOW_SECONDS)
        raise BadSetupCode()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    tablet.token_hash = codes.keyed_hash("tablet-token", token)
    tablet.setup_hash = None  # one time only
    tablet.setup_expires_at = None
    tablet.registered_at = utcnow()
    db.session.flush()
    log.info("tablet %s set up", tablet.id)
    return tablet, token


def from_cookie(value: str | None) -> Tablet | None:
    """The registered tablet behind a cookie value; None for none, a forged or a revoked one."""
    if not isinstance(value, str) or not value or len(value) > MAX_TOKEN_LENGTH:
        return None
    tablet = db.session.scalar(
        select(Tablet).where(Tablet.token_hash == codes.keyed_hash("tablet-token", value))
    )
    if tablet is None or tablet.revoked_at is not None:
        return None
    return tablet


def revoke(user: StaffUser, tablet_id: int) -> Tablet:
    """The tablet is lost or moved: its cookie and any setup code stop working."""
    casework.require_coordinator(user)
    tablet = _get(tablet_id)
    if tablet.revoked_at is None:
        tablet.revoked_at = utcnow()
        tablet.token_hash = None
        tablet.setup_hash = None
        tablet.setup_expires_at = None
        db.session.flush()
        log.info("tablet %s revoked", tablet.id)
    return tablet


def all_tablets() -> list[Tablet]:
    """For the console: active tablets first, newest first."""
    return list(
        db.session.scalars(
            select(Tablet).order_by(Tablet.revoked_at.is_not(None), Tablet.id.desc())
        )
    )
