"""Telegram updates the bot admits: each handled once, and rate-limited per chat."""

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import ProcessedUpdate, utcnow
from webapp.services import ratelimit
from webapp.services.guardians import TELEGRAM

CHAT_BUCKET = "bot_chat"
CHAT_WINDOW_SECONDS = 60


class Admission:
    """What to do with an incoming update."""

    HANDLE = "handle"
    DUPLICATE = "duplicate"  # seen before: handled once already
    LIMITED = "limited"  # too many from this chat: drop quietly
    LIMITED_FIRST = "limited_first"  # the first one over the limit: say so once


def admit_update(update_id: int, chat_id: int | None, per_minute: int) -> str:
    """Count an incoming update against its chat's limit and remember it, so it is handled once.

    Call it first in its own unit of work (the count is written on a connection of
    its own). Returns an Admission value.
    """
    state = Admission.HANDLE
    if chat_id is not None:
        # Counted in its own transaction first (SQLite: before this session writes).
        key = f"{TELEGRAM}:{chat_id}"
        ratelimit.hit(CHAT_BUCKET, key, CHAT_WINDOW_SECONDS)
        seen = ratelimit.count(CHAT_BUCKET, key, CHAT_WINDOW_SECONDS)
        if seen > per_minute:
            state = Admission.LIMITED_FIRST if seen == per_minute + 1 else Admission.LIMITED
    try:
        with db.session.begin_nested():
            db.session.add(ProcessedUpdate(update_id=update_id))
    except IntegrityError:
        return Admission.DUPLICATE
    return state


def forget_processed_updates(older_than: timedelta = timedelta(days=2)) -> int:
    """Drop remembered update ids older than Telegram ever re-sends (a day)."""
    return db.session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < utcnow() - older_than)
    ).rowcount
