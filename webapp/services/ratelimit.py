"""Fixed-window rate limits shared by every process, kept in the database.

Hits are written in a transaction of their own, so a refused request (whose
own work is rolled back) still counts.
"""

import hashlib
import hmac
import time

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import RateLimitHit


def _key_hash(key: str) -> str:
    # Clients are counted by a keyed hash: no IP address is stored.
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


def _window(seconds: int) -> int:
    """The start of the current window, in epoch seconds."""
    now = int(time.time())
    return now - now % seconds


def count(bucket: str, key: str, seconds: int) -> int:
    """Hits of `key` in the current window."""
    with db.engine.connect() as conn:
        found = conn.execute(
            select(RateLimitHit.count).where(
                RateLimitHit.bucket == bucket,
                RateLimitHit.key_hash == _key_hash(key),
                RateLimitHit.window_start == _window(seconds),
            )
        ).scalar()
    return found or 0


def hit(bucket: str, key: str, seconds: int) -> None:
    """Count one hit of `key` in the current window."""
    where = (
        RateLimitHit.bucket == bucket,
        RateLimitHit.key_hash == _key_hash(key),
        RateLimitHit.window_start == _window(seconds),
    )
    bump = update(RateLimitHit).where(*where).values(count=RateLimitHit.count + 1)
    with db.engine.begin() as conn:
        if conn.execute(bump).rowcount:
            return
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(RateLimitHit).values(
                        bucket=bucket,
                        key_hash=_key_hash(key),
                        window_start=_window(seconds),
                        count=1,
                    )
                )
        except IntegrityError:  # another process inserted it first
            conn.execute(bump)


def prune(max_window_seconds: int = 24 * 3600) -> int:
    """Forget counters from windows that ended long ago (run by the worker)."""
    with db.engine.begin() as conn:
        result = conn.execute(
            delete(RateLimitHit).where(
                RateLimitHit.window_start < int(time.time()) - max_window_seconds
            )
        )
    return result.rowcount
