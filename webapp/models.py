"""SQLAlchemy models of the Tongyan domain (see DESIGN.md)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Kind:
    IDEA = "idea"
    PROBLEM = "problem"
    THANKS = "thanks"
    ALL = (IDEA, PROBLEM, THANKS)


class Channel:
    WEB = "web"
    API = "api"
    BOT = "bot"
    ALL = (WEB, API, BOT)


class Status:
    RECEIVED = "received"  # stored, not yet analysed
    ROUTED = "routed"  # analysed and in an agency's (or the coordinator's) queue
    ACCEPTED = "accepted"
    ANSWERED = "answered"
    CLOSED = "closed"
    TRANSFERRED = "transferred"
    RETURNED = "returned"
    REOPENED = "reopened"
    REJECTED = "rejected"


class Role:
    STAFF = "staff"
    AGENCY_ADMIN = "agency_admin"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    ALL = (STAFF, AGENCY_ADMIN, COORDINATOR, ADMIN)
    ALL_AGENCIES = (COORDINATOR, ADMIN)


# Statuses that sit in a queue waiting for staff.
OPEN_STATUSES = ("routed", "accepted", "transferred", "returned", "reopened")


class Rating:
    SATISFIED = "satisfied"
    BASICALLY = "basically"
    UNSATISFIED = "unsatisfied"
    ALL = (SATISFIED, BASICALLY, UNSATISFIED)


class Decision:
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    ALL = (YES, PARTLY, NO)


AGE_BANDS = ("under6", "6-8", "9-11", "12-14", "15-17", "adult")


class Agency(db.Model):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    contact: Mapped[str | None] = mapped_column(String(200))
    accept_days: Mapped[int] = mapped_column(default=1)
    answer_days: Mapped[int] = mapped_column(default=7)
    complex_answer_days: Mapped[int] = mapped_column(default=15)
    urgent_hours: Mapped[int] = mapped_column(default=2)

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class Area(db.Model):
    """County > town/street > village/community/school."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))  # county | town | village
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))

    parent: Mapped[Area | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Area]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Area {self.code}>"


class Suggestion(db.Model):
    __tablename__ = "suggestion"
    __table_args__ = (
        # The queue: one agency's open items, urgent first, then by due time (keyset).
        Index("ix_suggestion_queue", "agency_id", "is_open", "queue_rank", "due_at", "id"),
        Index("ix_suggestion_open_due", "is_open", "due_at"),
        Index("ix_suggestion_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Keyed hash of the tracking code; the code itself is never stored.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    # The original words: shown to staff only through an audited reveal.
    text: Mapped[str] = mapped_column(Text)
    redacted_text: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(200))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    age_band: Mapped[str | None] = mapped_column(String(16))

    status: Mapped[str] = mapped_column(String(16), default=Status.RECEIVED)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))

    # Queue position, kept in step with status by services.casework.
    is_open: Mapped[bool] = mapped_column(default=False)
    queue_rank: Mapped[int] = mapped_column(default=1)  # 0 urgent, 1 the rest
    due_at: Mapped[datetime | None]  # the next deadline: accept, then answer
    accept_due_at: Mapped[datetime | None]
    answer_due_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    complex: Mapped[bool] = mapped_column(default=False)
    escalated_at: Mapped[datetime | None]  # the current deadline has been escalated
    # The coordinator linked this item to another as the same issue.
    linked_to_id: Mapped[int | None] = mapped_column(ForeignKey("suggestion.id"), index=True)
    # The guardian's chat that sent it, if any; unlinked when they delete their data.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )

    # Analysis; null until the analysis has run.
    analysed_at: Mapped[datetime | None]
    topic: Mapped[str | None] = mapped_column(String(32))
    sentiment: Mapped[str | None] = mapped_column(String(16))
    sentiment_score: Mapped[float | None]
    urgent: Mapped[bool] = mapped_column(default=False)
    urgent_reasons: Mapped[list | None] = mapped_column(JSON)
    confidence: Mapped[float | None]
    suggested_agencies: Mapped[list | None] = mapped_column(JSON)
    keywords: Mapped[list | None] = mapped_column(JSON)
    has_pii: Mapped[bool] = mapped_column(default=False)
    analysis_attempts: Mapped[int] = mapped_column(default=0)

    rating: Mapped[str | None] = mapped_column(String(16))
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    reopen_count: Mapped[int] = mapped_column(default=0)

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    agency: Mapped[Agency | None] = relationship()
    area: Mapped[Area | None] = relationship()
    linked_to: Mapped[Suggestion | None] = relationship(remote_side=[id], back_populates="linked")
    linked: Mapped[list[Suggestion]] = relationship(back_populates="linked_to")
    notes: Mapped[list[Note]] = relationship(
        back_populates="suggestion", order_by="Note.id", cascade="all, delete-orphan"
    )
    contact: Mapped[Contact | None] = relationship()
    photos: Mapped[list[Photo]] = relationship(
        back_populates="suggestion", cascade="all, delete-orphan"
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="suggestion", order_by="Event.id", cascade="all, delete-orphan"
    )
    replies: Mapped[list[Reply]] = relationship(
        back_populates="suggestion", order_by="Reply.id", cascade="all, delete-orphan"
    )
    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="suggestion", cascade="all, delete-orphan"
    )

    @property
    def answer(self) -> Reply | None:
        """The latest reply the child can read."""
        return self.replies[-1] if self.replies else None

    def __repr__(self) -> str:
        return f"<Suggestion {self.id} {self.status}>"


class Photo(db.Model):
    """A re-encoded photo with no metadata; the upload itself is never kept."""

    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    mime_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="photos")


class Event(db.Model):
    """One state change or action on a suggestion: its history."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))  # child | guardian | system | staff:<id>
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    # Structured detail (agency codes, reasons); never the child's words.
    detail: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="events")


class Reply(db.Model):
    """An agency's answer, in three parts the child reads."""

    __tablename__ = "reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decision: Mapped[str] = mapped_column(String(16))  # yes | partly | no
    why: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="replies")
    agency: Mapped[Agency] = relationship()


class Outbox(db.Model):
    """A message to deliver after commit; a worker delivers it with retries."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # agency | telegram
    recipient: Mapped[str] = mapped_column(String(128))
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestion.id"), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateLimitHit(db.Model):
    """Fixed-window counters shared by every process (keys are hashed)."""

    __tablename__ = "rate_limit_hit"

    bucket: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class Contact(db.Model):
    """A guardian's Telegram chat, kept only after consent; erased on /delete."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    # What staff see instead of any handle.
    pseudonym: Mapped[str] = mapped_column(String(32))
    consent_at: Mapped[datetime]
    blocked_at: Mapped[datetime | None]  # the chat blocked the bot: stop sending
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True
    )


class Subscription(db.Model):
    """A contact who hears about every change of a suggestion."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("suggestion_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="subscriptions")
    suggestion: Mapped[Suggestion] = relationship(back_populates="subscriptions")


class ProcessedUpdate(db.Model):
    """Telegram updates already handled, so one seen twice is handled once."""

    __tablename__ = "processed_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


class BotState(db.Model):
    """The bot's conversation state, so a restart mid-conversation loses nothing."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StaffUser(db.Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship()

    @property
    def sees_all_agencies(self) -> bool:
        return self.role in Role.ALL_AGENCIES

    @property
    def actor(self) -> str:
        return f"staff:{self.id}"


class ApiToken(db.Model):
    """A bearer token for the staff API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    staff: Mapped[StaffUser] = relationship()


class Note(db.Model):
    """A private note by staff on an item; never shown to the child."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="notes")
    staff: Mapped[StaffUser] = relationship()


class ReplyTemplate(db.Model):
    """A starting point for an answer; agency_id None means every agency."""

    __tablename__ = "reply_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    decision: Mapped[str] = mapped_column(String(16))
    why: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text)
