"""SQLAlchemy models of the Tongyan domain (see DESIGN.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from webapp.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Kind:
    IDEA = "idea"
    PROBLEM = "problem"
    THANKS = "thanks"
    ALL = (IDEA, PROBLEM, THANKS)


class Channel:
    WEB = "web"
    API = "api"
    BOT = "bot"
    COUNCIL = "council"  # a proposal a children's council adopted
    OBSERVER = "observer"  # an observer group's mission report
    ALL = (WEB, API, BOT, COUNCIL, OBSERVER)


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
    FACILITATOR = "facilitator"  # an adult who runs one children's council; no agency queue
    ALL = (STAFF, AGENCY_ADMIN, COORDINATOR, ADMIN, FACILITATOR)
    ALL_AGENCIES = (COORDINATOR, ADMIN)


class Danger:
    """How soon a person must look at an item (moderation.Analysis.danger)."""

    NONE = "none"
    REVIEW = "review"  # a person looks today: the coordinator's review queue
    URGENT = "urgent"  # a person acts now: alerts go out at once
    ALL = (NONE, REVIEW, URGENT)
    RAISED = (REVIEW, URGENT)


class Visibility:
    """Whether children's words may be shown to other people: only after a person approved."""

    PENDING = "pending"  # waiting for a moderator
    APPROVED = "approved"
    HIDDEN = "hidden"  # a moderator refused it, or too many devices reported it
    ALL = (PENDING, APPROVED, HIDDEN)


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
    queue_rank: Mapped[int] = mapped_column(default=2)  # services.priority: 0 urgent … 2 the rest
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
    # The children's council that first adopted it as a proposal, if any.
    council_id: Mapped[int | None] = mapped_column(ForeignKey("council.id"), index=True)
    # The child chose to let other children see it; None: not asked (older items).
    public: Mapped[bool | None]
    # Only for public items: nothing is shown before a moderator approved it.
    visibility: Mapped[str | None] = mapped_column(String(16), index=True)
    # The text other people read: the redaction, as the moderator may have edited it.
    public_text: Mapped[str | None] = mapped_column(Text)
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # The child chose "my family may read this": followers of the code see the words.
    family_may_read: Mapped[bool] = mapped_column(default=False)
    # The registered tablet it was sent from (school, library, 儿童之家), if any.
    tablet_id: Mapped[int | None] = mapped_column(ForeignKey("tablet.id"), index=True)

    # Analysis; null until the analysis has run.
    analysed_at: Mapped[datetime | None]
    topic: Mapped[str | None] = mapped_column(String(32))
    sentiment: Mapped[str | None] = mapped_column(String(16))
    sentiment_score: Mapped[float | None]
    urgent: Mapped[bool] = mapped_column(default=False)  # danger == "urgent"
    danger: Mapped[str] = mapped_column(String(8), default=Danger.NONE)
    urgent_reasons: Mapped[list | None] = mapped_column(JSON)  # the kinds of danger
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
    tablet: Mapped[Tablet | None] = relationship()
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
    __table_args__ = (
        # A photo belongs to a suggestion or to an observation, never both or neither.
        CheckConstraint("(suggestion_id IS NULL) <> (observation_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestion.id"), index=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observation.id"), index=True)
    mime_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion | None] = relationship(back_populates="photos")
    observation: Mapped[Observation | None] = relationship(back_populates="photos")


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
    # One message per key (an alert step to one contact): enqueuing it twice sends it once.
    dedup_key: Mapped[str | None] = mapped_column(String(128), unique=True)
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
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
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
    # None only for facilitators, who belong to a council and see no agency's items.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    council_id: Mapped[int | None] = mapped_column(ForeignKey("council.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # The staff member's own Telegram chat, linked through the bot, for urgent alerts.
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    # Keyed hash of a one-time code the bot takes to link that chat, and until when.
    telegram_link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    telegram_link_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency | None] = relationship()
    council: Mapped[Council | None] = relationship()

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


# --- children's participation: councils (儿童议事会), support, observer missions ---

CHILD_AGE_BANDS = tuple(band for band in AGE_BANDS if band != "adult")


class ConsentMethod:
    PAPER = "paper"  # 纸质同意书
    ONLINE = "online"  # 线上确认
    IN_PERSON = "in_person"  # 家长到场
    ALL = (PAPER, ONLINE, IN_PERSON)


class Council(db.Model):
    """A children's council bound to one area; its tier is the area's level."""

    __tablename__ = "council"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    area: Mapped[Area] = relationship(backref=backref("council", uselist=False))
    members: Mapped[list[CouncilMember]] = relationship(
        back_populates="council", order_by="CouncilMember.id"
    )
    sessions: Mapped[list[CouncilSession]] = relationship(
        back_populates="council",
        order_by=lambda: (CouncilSession.held_on.desc(), CouncilSession.id.desc()),
    )

    @property
    def tier(self) -> str:
        """county | town | village, from the area tree."""
        return self.area.level

    @property
    def parent(self) -> Council | None:
        """The council of the parent area (created first, so every lower council has one)."""
        return self.area.parent.council if self.area.parent else None

    @property
    def active_members(self) -> list[CouncilMember]:
        return [m for m in self.members if m.active]

    def __repr__(self) -> str:
        return f"<Council {self.id} {self.area_id}>"


class CouncilMember(db.Model):
    """A child on a council, known by a nickname and age band only, with the guardian's consent."""

    __tablename__ = "council_member"
    __table_args__ = (UniqueConstraint("council_id", "nickname"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"), index=True)
    nickname: Mapped[str] = mapped_column(String(16))
    age_band: Mapped[str] = mapped_column(String(16))
    consent_on: Mapped[date]  # the day the guardian consented
    consent_method: Mapped[str] = mapped_column(String(16))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]

    council: Mapped[Council] = relationship(back_populates="members")


class SessionStatus:
    DRAFT = "draft"  # being prepared: date, place, agenda
    VOTING = "voting"  # in the room: tablets join with the code and vote
    CLOSED = "closed"
    ALL = (DRAFT, VOTING, CLOSED)


class CouncilSession(db.Model):
    """One meeting of a council: date, place, agenda, votes, minutes and attendance."""

    __tablename__ = "council_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"), index=True)
    held_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.DRAFT)
    # Shown in the room so only tablets there can vote; void once the session closes.
    join_code: Mapped[str | None] = mapped_column(String(8), index=True)
    minutes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    council: Mapped[Council] = relationship(back_populates="sessions")
    proposals: Mapped[list[Proposal]] = relationship(
        back_populates="session", order_by="Proposal.id"
    )
    attendance: Mapped[list[SessionAttendance]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )


class SessionAttendance(db.Model):
    __tablename__ = "session_attendance"

    session_id: Mapped[int] = mapped_column(ForeignKey("council_session.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("council_member.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[CouncilSession] = relationship(back_populates="attendance")
    member: Mapped[CouncilMember] = relationship()


class ProposalSource:
    MEMBER = "member"  # a member's own proposal
    SUGGESTION = "suggestion"  # an open suggestion many children support
    CLUSTER = "cluster"  # a group of suggestions saying the same
    OVERDUE = "overdue"  # an open item past its time limit
    ESCALATED = "escalated"  # passed up by a lower council
    ALL = (MEMBER, SUGGESTION, CLUSTER, OVERDUE, ESCALATED)


class ProposalStatus:
    PENDING = "pending"  # waiting for a session of its council
    OPEN = "open"  # on a session's agenda
    VOTING = "voting"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    UNDECIDED = (PENDING, OPEN, VOTING)


class Proposal(db.Model):
    """Something a council decides on; once adopted it is (or backs) a suggestion."""

    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("council_session.id"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)  # already checked for personal data
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.PENDING)
    # The suggestion it concerns: its source on the agenda, or the one its adoption created.
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestion.id"), index=True)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("council_member.id"))
    escalated_from_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    council: Mapped[Council] = relationship()
    session: Mapped[CouncilSession | None] = relationship(back_populates="proposals")
    suggestion: Mapped[Suggestion | None] = relationship()
    proposer: Mapped[CouncilMember | None] = relationship()
    escalated_from: Mapped[Proposal | None] = relationship(remote_side=[id])
    votes: Mapped[list[Vote]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan"
    )


class VoteChoice:
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"
    ALL = (FOR, AGAINST, ABSTAIN)


class Vote(db.Model):
    """One member's vote on one proposal (they may change it while the vote is open)."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("proposal_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("council_member.id"), index=True)
    choice: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="votes")
    member: Mapped[CouncilMember] = relationship()


class Support(db.Model):
    """A child's "me too" (附议) on a public suggestion: one per device, no login."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("suggestion_id", "device_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    # Keyed hash of a random id in the device's cookie; the id itself is never stored.
    device_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion] = relationship()


class Mission(db.Model):
    """An observer group's mission (儿童观察团): what to look for, where, when, for whom."""

    __tablename__ = "mission"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    checklist: Mapped[list] = mapped_column(JSON)  # short strings a child ticks
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))  # receives the report
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    # The report sent to the agency, answered like any other item.
    report_suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion.id"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    area: Mapped[Area] = relationship()
    agency: Mapped[Agency] = relationship()
    report_suggestion: Mapped[Suggestion | None] = relationship()
    observations: Mapped[list[Observation]] = relationship(
        back_populates="mission", order_by="Observation.id"
    )


class Observation(db.Model):
    """What one observer saw on a mission: ticks of the checklist, words, a photo, a place."""

    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id"), index=True)
    nickname: Mapped[str | None] = mapped_column(String(16))
    ticks: Mapped[list] = mapped_column(JSON)  # indexes into the mission's checklist
    text: Mapped[str | None] = mapped_column(Text)  # the child's words, for staff only
    redacted_text: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(200))
    # The coordinator hid it from the report (a face in the photo, words not for others).
    hidden: Mapped[bool] = mapped_column(default=False)
    # The words reach the public report only once a moderator approved them.
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PENDING, index=True)
    danger: Mapped[str] = mapped_column(String(8), default=Danger.NONE)
    # A disclosure in an observation becomes an item of its own, urgent or for review.
    danger_suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestion.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mission: Mapped[Mission] = relationship(back_populates="observations")
    photos: Mapped[list[Photo]] = relationship(
        back_populates="observation", cascade="all, delete-orphan"
    )


# --- safeguarding: alerts that reach a person, duty rosters, public reports, tablets ---


class AlertKind:
    URGENT = "urgent"  # a person acts now
    REVIEW = "review"  # a person looks today
    OVERDUE = "overdue"  # a time limit was missed
    UNDELIVERED = "undelivered"  # an alert could not be delivered to anyone on a roster
    ALL = (URGENT, REVIEW, OVERDUE, UNDELIVERED)


class DutyContact(db.Model):
    """One place on an agency's duty roster (the coordinator's is the roster of `coord`).

    Exactly one way to reach the person: an e-mail address, a webhook (企业微信 / 钉钉 group
    robot) or a staff member whose Telegram chat is linked. Alerts go down the roster in order.
    """

    __tablename__ = "duty_contact"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN email IS NULL THEN 0 ELSE 1 END) + (CASE WHEN webhook_url IS NULL "
            "THEN 0 ELSE 1 END) + (CASE WHEN staff_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_way",
        ),
        Index("ix_duty_contact_roster", "agency_id", "active", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    position: Mapped[int]  # order on the roster: the order contacts were added
    email: Mapped[str | None] = mapped_column(String(254))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship()
    staff: Mapped[StaffUser | None] = relationship()


class Alert(db.Model):
    """A person must look at an item; it goes down the duty roster until someone 认领 it."""

    __tablename__ = "alert"
    __table_args__ = (
        # The worker's scan: unacknowledged alerts whose next step is due.
        Index("ix_alert_due", "acknowledged_at", "next_step_at"),
        UniqueConstraint("suggestion_id", "kind", "round", name="one_alert_per_round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # A later deadline of the same item raises a new round (overdue answer after accept).
    round: Mapped[int] = mapped_column(default=0)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))  # whose roster first
    step: Mapped[int] = mapped_column(default=0)  # how far down the roster it has gone
    next_step_at: Mapped[datetime | None]  # None once acknowledged or nobody is left
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion] = relationship()
    agency: Mapped[Agency] = relationship()
    acknowledged_by: Mapped[StaffUser | None] = relationship()


class PublicReport(db.Model):
    """A device told an adult that a public card is not right (告诉大人：这条不对劲)."""

    __tablename__ = "public_report"
    __table_args__ = (
        CheckConstraint("(suggestion_id IS NULL) <> (observation_id IS NULL)", name="one_card"),
        UniqueConstraint("suggestion_id", "device_hash"),
        UniqueConstraint("observation_id", "device_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestion.id"), index=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observation.id"), index=True)
    device_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tablet(db.Model):
    """A shared tablet the coordinator registered to a school, library or 儿童之家."""

    __tablename__ = "tablet"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80))  # for staff: 实验小学三楼图书角
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    place: Mapped[str | None] = mapped_column(String(200))
    # Keyed hash of the one-time setup code, void once used or past its time.
    setup_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    setup_expires_at: Mapped[datetime | None]
    # Keyed hash of the secret in the tablet's cookie, set when it was set up.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    area: Mapped[Area] = relationship()
