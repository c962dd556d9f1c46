"""Staff accounts: passwords (argon2), throttled login, API tokens."""

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ApiToken, Role, StaffUser, utcnow
from webapp.services import errors, ratelimit
from webapp.services.casework import agency_by_code

MIN_PASSWORD_LENGTH = 12
LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW_SECONDS = 15 * 60
TOKEN_LIFETIME = timedelta(hours=12)


def _hasher() -> PasswordHasher:
    # argon2id with the library's defaults (64 MiB, t=3); tests use a cheaper setting.
    return PasswordHasher(**current_app.config.get("ARGON2_PARAMETERS", {}))


def _dummy_hash() -> str:
    # Verified against when the e-mail is unknown, so timing does not tell who has an account.
    return _hasher().hash("not-a-real-password")


def create_staff(email: str, password: str, agency_code: str, role: str) -> StaffUser:
    """Create a staff account (or reset the password and role of an existing one)."""
    email = (email or "").strip().lower()
    if "@" not in email or len(password or "") < MIN_PASSWORD_LENGTH or role not in Role.ALL:
        raise errors.StaffInputInvalid()
    agency = agency_by_code(agency_code)
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    if user is None:
        user = StaffUser(email=email)
        db.session.add(user)
    user.password_hash = _hasher().hash(password)
    user.role, user.agency, user.active = role, agency, True
    db.session.flush()
    return user


def authenticate(email: str, password: str, client: str) -> StaffUser:
    """The account for these credentials; failures are limited per e-mail and per client."""
    email = (email or "").strip().lower()
    keys = (f"email:{email}", f"client:{client}")
    if any(
        ratelimit.count("login_failure", k, LOGIN_WINDOW_SECONDS) >= LOGIN_FAILURES_ALLOWED
        for k in keys
    ):
        raise errors.LoginThrottled()
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash if user else _dummy_hash(), password or "")
        if user is None or not user.active:
            raise VerificationError()
    except (VerificationError, InvalidHashError):
        for key in keys:
            ratelimit.hit("login_failure", key, LOGIN_WINDOW_SECONDS)
        raise errors.LoginFailed() from None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def issue_token(user: StaffUser) -> tuple[str, ApiToken]:
    """A new bearer token; the token itself is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(token_hash=_token_hash(token), staff=user, expires_at=utcnow() + TOKEN_LIFETIME)
    db.session.add(row)
    db.session.flush()
    return token, row


def user_for_token(token: str) -> StaffUser | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.expires_at < utcnow() or not row.staff.active:
        return None
    return row.staff


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
