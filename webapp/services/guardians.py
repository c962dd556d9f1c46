"""Guardians on Telegram: consent, following suggestions, rating answers, erasing their data.

The bot is one more channel: suggestions are created, looked up and rated through
webapp.services.suggestions like on the web. Services flush and never commit; the
bot's handler owns the unit of work. A chat is stored (as a Contact) only after
the guardian agrees; staff only ever see the contact's pseudonym.
"""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import Domain
from sqlalchemy import delete, select, update

import moderation
from webapp.extensions import db
from webapp.models import (
    Channel,
    Contact,
    Danger,
    Kind,
    Outbox,
    Subscription,
    Suggestion,
    utcnow,
)
from webapp.services import (
    casework,
    errors,
    outbox,
    ratelimit,
    rosters,
    safeguarding,
    suggestions,
    tracking,
)
from webapp.services.errors import DomainError

log = logging.getLogger(__name__)

# Only the bot shows these, so they live in the bot's catalogue (bot.po).
_l = Domain(domain="bot").lazy_gettext

TELEGRAM = "telegram"
GUARDIAN = "guardian"
PSEUDONYM_PREFIX = "家长"
MY_SUGGESTIONS_LIMIT = 20
# Outbox payload types on the telegram channel.
STATUS = "status"  # a change of a followed suggestion
CODE = "code"  # the tracking code of a suggestion this chat just sent
# A tracking code is shown once and only its hash is kept elsewhere, so its message is
# retried far longer than news (back-off capped at outbox.MAX_BACKOFF_SECONDS: about two days).
CODE_MAX_ATTEMPTS = 300
# Staff linking their chat with /duty CODE: failed codes per chat and window.
DUTY_BUCKET = "duty_link_failure"
DUTY_FAILURES_PER_WINDOW = 5
DUTY_WINDOW_SECONDS = 15 * 60


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
    """An outbox message claimed for delivery to a chat, with what the guardian may see.

    A status push carries the guardian's view of the suggestion; a code push the tracking
    code (only to the chat that sent the suggestion) and its danger level and kinds.
    """

    message_id: int
    chat_id: int
    action: str
    suggestion_id: int
    view: dict
    type: str = STATUS
    code: str | None = None
    danger: str = Danger.NONE
    kinds: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Submitted:
    """A suggestion a guardian sent, and the outbox message that carries its tracking code."""

    suggestion: Suggestion
    code: str
    code_message_id: int
    chat_id: int


@dataclass(frozen=True)
class FirstLook:
    """What the analysis makes of words typed to the bot, before anything is stored."""

    danger: str  # none | review | urgent
    kinds: tuple[str, ...]

    @property
    def raised(self) -> bool:
        return self.danger in Danger.RAISED


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
    _forget_codes(str(contact.id))
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
    _forget_codes(str(contact_id))
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
    public: bool = False,
    family_may_read: bool = False,
    lease_seconds: int = outbox.LEASE_SECONDS,
) -> Submitted:
    """A guardian's suggestion, through the same service as the web; the chat follows it.

    The tracking code goes into the outbox in the same transaction, to this chat only,
    claimed for `lease_seconds` so the bot that sends it at once is not raced by a
    delivery round; if that send fails, delivery retries it with back-off.
    """
    created = suggestions.create_suggestion(
        text=text,
        kind=kind,
        channel=Channel.BOT,
        actor=GUARDIAN,
        age_band=age_band,
        area_code=area_code,
        place=place,
        photos=list(photos),
        contact=contact,
        public=bool(public),
        family_may_read=bool(family_may_read),
    )
    message = outbox.enqueue(
        TELEGRAM,
        str(contact.id),
        {"type": CODE, "suggestion_id": created.suggestion.id, "code": created.code},
        created.suggestion,
    )
    message.next_attempt_at = utcnow() + timedelta(seconds=lease_seconds)
    db.session.flush()
    return Submitted(created.suggestion, created.code, message.id, contact.telegram_chat_id)


def send_for_help(chat_id: int, text: str, lease_seconds: int = outbox.LEASE_SECONDS) -> Submitted:
    """The one tap after words that showed danger: agree if not yet, then send them as a problem.

    The button that calls this told the guardian that pressing it stores the chat
    (a pseudonym for staff) and passes the words on.
    """
    contact = contact_for(chat_id) or give_consent(chat_id)
    submitted = submit(contact, kind=Kind.PROBLEM, text=text, lease_seconds=lease_seconds)
    casework.help_requested(submitted.suggestion, GUARDIAN)
    return submitted


def first_look(text: str) -> FirstLook:
    """Danger level and kinds of words typed to the bot; nothing is stored, nothing logged."""
    analysis = moderation.analyse(text)
    return FirstLook(safeguarding.danger_of(analysis), tuple(analysis.urgent_reasons))


def is_sensitive(suggestion: Suggestion) -> bool:
    """An item a person must look at (review or urgent): only the chat that sent it follows it."""
    return bool(suggestion.urgent) or suggestion.danger in Danger.RAISED


def may_follow(contact: Contact, suggestion: Suggestion) -> bool:
    return suggestion.contact_id == contact.id or not is_sensitive(suggestion)


def guardian_view(contact: Contact, suggestion: Suggestion) -> dict:
    """What this chat may read: status, history and the answer; the words only if allowed.

    The chat that sent it sees its own words; any other follower sees them only if
    the child chose "my family may read this" when sending.
    """
    view = tracking.child_view(suggestion)
    sender = suggestion.contact_id == contact.id
    words = sender or bool(suggestion.family_may_read)
    if not words:
        view["text"] = None
    view["words_hidden"] = not words
    view["sent_on"] = suggestion.created_at.date().isoformat()
    # Danger is for the sender's eyes only (others cannot follow such an item anyway).
    view["urgent"] = sender and bool(suggestion.urgent)
    view["danger"] = danger_level(suggestion) if sender else Danger.NONE
    view["kinds"] = list(suggestion.urgent_reasons or ()) if sender else []
    return view


def follow(contact: Contact, code: str, client_key: str) -> Suggestion:
    """Follow a suggestion by its tracking code (idempotent); failed tries are limited.

    An item a person must look at (review or urgent) is followed only by the chat that
    sent it. Anyone else gets exactly the answer to an unknown code, counted the same
    way: a different answer would tell whoever holds a child's code that the child
    reported something serious.
    """
    suggestion = suggestions.get_by_code(code, client_key)
    if not may_follow(contact, suggestion):
        ratelimit.hit(
            suggestions.LOOKUP_BUCKET, client_key, current_app.config["LOOKUP_WINDOW_SECONDS"]
        )
        raise errors.NotFound()
    exists = db.session.scalar(
        select(Subscription.id).where(
            Subscription.suggestion_id == suggestion.id, Subscription.contact_id == contact.id
        )
    )
    if not exists:
        db.session.add(Subscription(suggestion=suggestion, contact=contact))
        db.session.flush()
    return suggestion


def _followable_by(contact: Contact):
    """SQL: items this contact sent, or that no person has to look at."""
    return (Suggestion.contact_id == contact.id) | (
        Suggestion.urgent.is_(False) & Suggestion.danger.notin_(Danger.RAISED)
    )


def my_suggestions(contact: Contact, limit: int = MY_SUGGESTIONS_LIMIT) -> list[Suggestion]:
    """The suggestions a guardian follows (sent or followed), newest first.

    An item raised to review or urgent after someone else followed it drops out of
    their list (checked on every read, not only when following).
    """
    return list(
        db.session.scalars(
            select(Suggestion)
            .join(Subscription, Subscription.suggestion_id == Suggestion.id)
            .where(Subscription.contact_id == contact.id, _followable_by(contact))
            .order_by(Suggestion.id.desc())
            .limit(limit)
        )
    )


def followed(contact: Contact, suggestion_id: int) -> Suggestion:
    """A suggestion the guardian follows (and still may); any other is NotFollowing."""
    suggestion = db.session.scalar(
        select(Suggestion)
        .join(Subscription, Subscription.suggestion_id == Suggestion.id)
        .where(
            Subscription.contact_id == contact.id,
            Suggestion.id == suggestion_id,
            _followable_by(contact),
        )
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


# --- delivery ----------------------------------------------------------


def claim_pushes(limit: int, lease_seconds: int) -> list[Push]:
    """Claim due telegram messages with what each chat may see; undeliverable ones fail."""
    pushes = []
    for message in outbox.claim_due(TELEGRAM, limit=limit, lease_seconds=lease_seconds):
        payload = message.payload or {}
        recipient = message.recipient
        contact = db.session.get(Contact, int(recipient)) if recipient.isdigit() else None
        suggestion_id = payload.get("suggestion_id") or message.suggestion_id or 0
        suggestion = db.session.get(Suggestion, suggestion_id)
        kind = payload.get("type")
        if kind not in (STATUS, CODE) or suggestion is None:
            _fail(message.id, "unknown_message")
        elif kind == CODE and not payload.get("code"):
            _fail(message.id, "no_code")
        elif contact is None:
            _fail(message.id, "contact_deleted")
        elif contact.blocked_at is not None:
            _fail(message.id, "blocked")
        elif kind == STATUS and not may_follow(contact, suggestion):
            # Raised to review or urgent after this chat followed it: no more news.
            _fail(message.id, "not_followable")
        elif kind == CODE and suggestion.contact_id != contact.id:
            _fail(message.id, "not_sender")
        elif kind == CODE:
            pushes.append(
                Push(
                    message.id,
                    contact.telegram_chat_id,
                    CODE,
                    suggestion.id,
                    {},
                    type=CODE,
                    code=payload["code"],
                    danger=danger_level(suggestion),
                    kinds=tuple(suggestion.urgent_reasons or ()),
                )
            )
        else:
            pushes.append(
                Push(
                    message.id,
                    contact.telegram_chat_id,
                    payload.get("action", ""),
                    suggestion.id,
                    guardian_view(contact, suggestion),
                )
            )
    db.session.flush()
    return pushes


def danger_level(suggestion: Suggestion) -> str:
    """The stored danger level; `urgent` wins over a danger column that says less."""
    return Danger.URGENT if suggestion.urgent else (suggestion.danger or Danger.NONE)


def _fail(message_id: int, error: str) -> None:
    outbox.mark_failed(message_id, error)
    _strip_code(message_id)


def _strip_code(message_id: int) -> None:
    """A code message that is finished keeps no code: only its hash is stored, on the item."""
    payload = db.session.scalar(select(Outbox.payload).where(Outbox.id == message_id))
    if payload and payload.get("type") == CODE and "code" in payload:
        db.session.execute(
            update(Outbox)
            .where(Outbox.id == message_id)
            .values(payload={k: v for k, v in payload.items() if k != "code"})
            .execution_options(synchronize_session=False)
        )


def _forget_codes(recipient: str) -> None:
    """Strip the codes of one chat's finished code messages (blocked, erased)."""
    finished = db.session.execute(
        select(Outbox.id, Outbox.payload).where(
            Outbox.channel == TELEGRAM,
            Outbox.recipient == recipient,
            Outbox.failed_at.is_not(None) | Outbox.delivered_at.is_not(None),
        )
    ).all()
    for message_id, payload in finished:
        if payload and payload.get("type") == CODE and "code" in payload:
            _strip_code(message_id)


def code_delivered(message_id: int) -> None:
    """The tracking code reached the chat: mark it and remove the code from the payload."""
    outbox.mark_delivered(message_id)
    _strip_code(message_id)


def code_not_sent(message_id: int, error: str, *, wait_seconds: float | None = None) -> bool:
    """A code message failed for now: retry with back-off (long); True if given up."""
    gave_up = outbox.mark_retry(
        message_id, error, wait_seconds=wait_seconds, max_attempts=CODE_MAX_ATTEMPTS
    )
    if gave_up:
        _strip_code(message_id)
    return gave_up


def code_refused(message_id: int, error: str) -> None:
    """Telegram refuses the code message for good (bad request): give it up, keep no code."""
    _fail(message_id, error)


# --- staff: linking a chat for urgent alerts -------------------------------------------


def link_duty_chat(code: str, chat_id: int) -> bool:
    """Link a staff member's chat with the one-time code from the staff console.

    Failed codes are limited per chat, so codes cannot be guessed. False if the code
    did not work.
    """
    key = f"{TELEGRAM}:{chat_id}"
    if ratelimit.count(DUTY_BUCKET, key, DUTY_WINDOW_SECONDS) >= DUTY_FAILURES_PER_WINDOW:
        raise errors.TooManyTries()
    linked = bool(rosters.link_staff_chat(code, chat_id)) if (code or "").strip() else False
    if not linked:
        ratelimit.hit(DUTY_BUCKET, key, DUTY_WINDOW_SECONDS)
    return linked


def blocked_by_chat(message_id: int, chat_id: int) -> None:
    """A send was refused because the chat blocked the bot: mark both, never retry."""
    _fail(message_id, "blocked")
    contact = contact_for(chat_id)
    if contact is not None:
        mark_blocked(contact)
