"""Guardians on Telegram: consent, following suggestions, rating answers, erasing their data.

The bot is one more channel: suggestions are created, looked up and rated through
webapp.services.suggestions like on the web. Services flush and never commit; the
bot's handler owns the unit of work. A chat is stored (as a Contact) only after
the guardian agrees; staff only ever see the contact's pseudonym.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import Domain
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Channel, Contact, ProcessedUpdate, Subscription, Suggestion, utcnow
from webapp.services import outbox, ratelimit, suggestions, tracking
from webapp.services.errors import DomainError

# Only the bot shows these, so they live in the bot's catalogue (bot.po).
_l = Domain(domain="bot").lazy_gettext

TELEGRAM = "telegram"
GUARDIAN = "guardian"
PSEUDONYM_PREFIX = "家长"
CHAT_BUCKET = "bot_chat"
CHAT_WINDOW_SECONDS = 60
MY_SUGGESTIONS_LIMIT = 20


class NotConsented(DomainError):
    code = "no_consent"
    http_status = 403
    message = _l("Please send /start and agree first.")


class NotFollowing(DomainError):
    code = "not_following"
    http_status = 404
    message = _l("You do not follow this suggestion.")


@dataclass(frozen=True)
class Push:
    """An outbox message claimed for delivery to a chat, with what the guardian may see."""

    message_id: int
    chat_id: int
    action: str
    suggestion_id: int
    view: dict


class Admission:
    """What to do with an incoming update."""

    HANDLE = "handle"
    DUPLICATE = "duplicate"  # seen before: handled once already
    LIMITED = "limited"  # too many from this chat: drop quietly
    LIMITED_FIRST = "limited_first"  # the first one over the limit: say so once


# --- contacts -----------------------------------------------------------------

def _pseudonym() -> str:
    return f"{PSEUDONYM_PREFIX}-{secrets.token_hex(2).upper()}"


def contact_for(chat_id: int) -> Contact | None:
    """The contact of a chat, if the guardian has agreed."""
    return db.session.scalar(select(Contact).where(Contact.telegram_chat_id == chat_id))


def require_contact(chat_id: int) -> Contact:
    """The contact of a chat; NotConsented until the guardian has agreed."""
    contact = contact_for(chat_id)
    if contact is None:
        raise NotConsented()
    return contact


def give_consent(chat_id: int) -> Contact:
    """Store the chat after the guardian agreed (idempotent); staff see only a pseudonym."""
    contact = contact_for(chat_id)
    if contact is None:
        contact = Contact(telegram_chat_id=chat_id, pseudonym=_pseudonym(), consent_at=utcnow())
        db.session.add(contact)
    contact.blocked_at = None
    db.session.flush()
    return contact


def welcome(chat_id: int) -> Contact | None:
    """A chat says hello: its contact if any, no longer marked blocked (it is talking to us)."""
    contact = contact_for(chat_id)
    if contact is not None and contact.blocked_at is not None:
        contact.blocked_at = None
        db.session.flush()
    return contact


def mark_blocked(contact: Contact) -> None:
    """The chat blocked the bot: stop sending until it talks to us again."""
    if contact.blocked_at is None:
        contact.blocked_at = utcnow()
    outbox.fail_pending(TELEGRAM, str(contact.id), "blocked")
    db.session.flush()


def delete_contact(contact: Contact) -> int:
    """Erase a guardian's chat: subscriptions go, suggestions stay unlinked, nothing is sent.

    Returns how many suggestions were unlinked.
    """
    contact_id = contact.id
    unlinked = db.session.execute(
        update(Suggestion).where(Suggestion.contact_id == contact_id).values(contact_id=None)
    ).rowcount
    db.session.execute(delete(Subscription).where(Subscription.contact_id == contact_id))
    outbox.fail_pending(TELEGRAM, str(contact_id), "contact_deleted")
    db.session.expunge(contact)
    db.session.execute(delete(Contact).where(Contact.id == contact_id))
    db.session.flush()
    return unlinked


# --- suggestions ---------------------------------------------------------------

def submit(
    contact: Contact,
    *,
    kind: str,
    text: str,
    age_band: str | None = None,
    area_code: str | None = None,
    place: str | None = None,
    photos: list[bytes] = (),
) -> suggestions.Created:
    """A guardian's suggestion, through the same service as the web; the chat follows it."""
    return suggestions.create_suggestion(
        text=text, kind=kind, channel=Channel.BOT, actor=GUARDIAN, age_band=age_band,
        area_code=area_code, place=place, photos=list(photos), contact=contact,
    )


def follow(contact: Contact, code: str, client_key: str) -> Suggestion:
    """Follow a suggestion by its tracking code (idempotent); failed tries are limited."""
    suggestion = suggestions.get_by_code(code, client_key)
    exists = db.session.scalar(select(Subscription.id).where(
        Subscription.suggestion_id == suggestion.id, Subscription.contact_id == contact.id))
    if not exists:
        db.session.add(Subscription(suggestion=suggestion, contact=contact))
        db.session.flush()
    return suggestion


def my_suggestions(contact: Contact, limit: int = MY_SUGGESTIONS_LIMIT) -> list[Suggestion]:
    """The suggestions a guardian follows (sent or followed), newest first."""
    return list(db.session.scalars(
        select(Suggestion)
        .join(Subscription, Subscription.suggestion_id == Suggestion.id)
        .where(Subscription.contact_id == contact.id)
        .order_by(Suggestion.id.desc())
        .limit(limit)
    ))


def followed(contact: Contact, suggestion_id: int) -> Suggestion:
    """A suggestion the guardian follows; any other is NotFollowing."""
    suggestion = db.session.scalar(
        select(Suggestion)
        .join(Subscription, Subscription.suggestion_id == Suggestion.id)
        .where(Subscription.contact_id == contact.id, Suggestion.id == suggestion_id)
    )
    if suggestion is None:
        raise NotFollowing()
    return suggestion


def rate_as_guardian(
    contact: Contact, suggestion_id: int, rating: str, comment: str | None = None
) -> Suggestion:
    """Rate the answer of a followed suggestion; 不满意 reopens it once."""
    suggestion = followed(contact, suggestion_id)
    return suggestions.apply_rating(suggestion, rating, comment, actor=GUARDIAN)


# --- updates and delivery ----------------------------------------------------------

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


def claim_pushes(limit: int, lease_seconds: int) -> list[Push]:
    """Claim due telegram messages with what each chat may see; undeliverable ones fail."""
    pushes = []
    for message in outbox.claim_due(TELEGRAM, limit=limit, lease_seconds=lease_seconds):
        payload = message.payload or {}
        recipient = message.recipient
        contact = db.session.get(Contact, int(recipient)) if recipient.isdigit() else None
        suggestion_id = payload.get("suggestion_id") or message.suggestion_id or 0
        suggestion = db.session.get(Suggestion, suggestion_id)
        if payload.get("type") != "status" or suggestion is None:
            outbox.mark_failed(message.id, "unknown_message")
        elif contact is None:
            outbox.mark_failed(message.id, "contact_deleted")
        elif contact.blocked_at is not None:
            outbox.mark_failed(message.id, "blocked")
        else:
            pushes.append(Push(message.id, contact.telegram_chat_id, payload.get("action", ""),
                               suggestion.id, tracking.child_view(suggestion)))
    db.session.flush()
    return pushes


def blocked_by_chat(message_id: int, chat_id: int) -> None:
    """A send was refused because the chat blocked the bot: mark both, never retry."""
    outbox.mark_failed(message_id, "blocked")
    contact = contact_for(chat_id)
    if contact is not None:
        mark_blocked(contact)
