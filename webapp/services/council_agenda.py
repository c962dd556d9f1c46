"""What a council could take up (its agenda), and proposals put on it: suggestions of its
area, waiting proposals, and members' own words (a proposal that tells of danger is taken
aside for a person to act on).
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

import moderation
from webapp.extensions import db
from webapp.models import (
    Channel,
    Council,
    CouncilSession,
    Danger,
    Kind,
    Proposal,
    ProposalSource,
    ProposalStatus,
    SessionStatus,
    StaffUser,
    Suggestion,
    utcnow,
)
from webapp.services import (
    council_sessions,
    councils,
    errors,
    events,
    safeguarding,
    suggestions,
    support,
)
from webapp.services import participation_errors as perrors

log = logging.getLogger(__name__)

MAX_TITLE_LENGTH = 30
MAX_PROPOSAL_LENGTH = 1000
AGENDA_SECTION_SIZE = 8


@dataclass(frozen=True)
class AgendaItem:
    suggestion: Suggestion
    linked: int  # suggestions linked to it as the same issue
    supports: int  # "me too"s on the cluster


@dataclass(frozen=True)
class Agenda:
    supported: list[AgendaItem]  # most "me too"s in the area and below
    clusters: list[AgendaItem]  # most children saying the same
    overdue: list[AgendaItem]  # open past their time limit
    escalated: list[Proposal]  # passed up by the councils below
    proposed: list[Proposal]  # members' own proposals


def build_agenda(council: Council, now: datetime | None = None) -> Agenda:
    """What the council could take up: from its area and every area below it."""
    now = now or utcnow()
    taken = set(
        db.session.scalars(
            select(Proposal.suggestion_id).where(
                Proposal.council_id == council.id,
                Proposal.suggestion_id.is_not(None),
                Proposal.status.in_((*ProposalStatus.UNDECIDED, ProposalStatus.ADOPTED)),
            )
        )
    )
    base = select(Suggestion).where(
        *support.listable_clause(),
        Suggestion.linked_to_id.is_(None),
        Suggestion.area_id.in_(support.area_and_below_ids(council.area)),
    )
    recent = [
        s
        for s in db.session.scalars(base.order_by(Suggestion.id.desc()).limit(300))
        if s.id not in taken
    ]
    counts = support.cluster_counts(recent)

    def items(rows, key) -> list[AgendaItem]:
        made = [AgendaItem(s, counts[s.id].linked, counts[s.id].supports) for s in rows]
        return sorted((i for i in made if key(i) > 0), key=lambda i: (-key(i), -i.suggestion.id))

    supported = items(recent, lambda i: i.supports)[:AGENDA_SECTION_SIZE]
    clusters = items(recent, lambda i: i.linked)[:AGENDA_SECTION_SIZE]
    late = [
        s
        for s in db.session.scalars(
            base.where(Suggestion.due_at < now)
            .order_by(Suggestion.due_at)
            .limit(AGENDA_SECTION_SIZE * 2)
        )
        if s.id not in taken
    ][:AGENDA_SECTION_SIZE]
    late_counts = support.cluster_counts(late)
    overdue = [AgendaItem(s, late_counts[s.id].linked, late_counts[s.id].supports) for s in late]
    pending = db.session.scalars(
        select(Proposal)
        .where(
            Proposal.council_id == council.id,
            Proposal.status == ProposalStatus.PENDING,
        )
        .order_by(Proposal.id)
    ).all()
    return Agenda(
        supported=supported,
        clusters=clusters,
        overdue=overdue,
        escalated=[p for p in pending if p.source == ProposalSource.ESCALATED],
        proposed=[p for p in pending if p.source != ProposalSource.ESCALATED],
    )


def add_suggestion_to_agenda(
    user: StaffUser,
    session: CouncilSession,
    suggestion_id: int,
    source: str,
) -> Proposal:
    """Put an open suggestion of the council's area on a session's agenda."""
    if not councils.can_manage(user, session.council):
        raise perrors.SessionNotFound()
    if session.status == SessionStatus.CLOSED:
        raise errors.WrongState()
    if source not in (ProposalSource.SUGGESTION, ProposalSource.CLUSTER, ProposalSource.OVERDUE):
        raise perrors.ProposalInvalid()
    council = session.council
    suggestion = db.session.get(Suggestion, suggestion_id)
    if (
        suggestion is None
        or not support.is_listable(suggestion)
        or suggestion.area_id not in support.area_and_below_ids(council.area)
    ):
        raise perrors.SuggestionNotFound()
    already = db.session.scalar(
        select(Proposal.id).where(
            Proposal.council_id == council.id,
            Proposal.suggestion_id == suggestion.id,
            Proposal.status.in_((*ProposalStatus.UNDECIDED, ProposalStatus.ADOPTED)),
        )
    )
    if already:
        raise perrors.ProposalWrongState()
    words = support.public_words(suggestion)  # what a moderator approved for other children
    proposal = Proposal(
        council=council,
        session=session,
        source=source,
        suggestion=suggestion,
        title=title_from(words),
        text=words,
        status=ProposalStatus.OPEN,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def schedule(user: StaffUser, session: CouncilSession, proposal_id: int) -> Proposal:
    """Put a waiting proposal (a member's own or one passed up) on a session's agenda."""
    if not councils.can_manage(user, session.council):
        raise perrors.SessionNotFound()
    if session.status == SessionStatus.CLOSED:
        raise errors.WrongState()
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.council_id != session.council_id:
        raise perrors.ProposalNotFound()
    if proposal.status != ProposalStatus.PENDING:
        raise perrors.ProposalWrongState()
    proposal.session = session
    proposal.status = ProposalStatus.OPEN
    db.session.flush()
    return proposal


def title_from(text: str) -> str:
    first = re.split(r"[。！？!?\n]", (text or "").strip(), maxsplit=1)[0]
    return first[: MAX_TITLE_LENGTH - 1] + "…" if len(first) > MAX_TITLE_LENGTH else first


@dataclass(frozen=True)
class Cleaned:
    title: str  # redacted
    text: str  # redacted
    danger: str  # none | review | urgent
    original: str  # the member's own words, for the item a disclosure becomes


def _clean_proposal(title: str | None, text: str | None) -> Cleaned:
    title, text = (title or "").strip(), (text or "").strip()
    if not title or not text or len(title) > MAX_TITLE_LENGTH or len(text) > MAX_PROPOSAL_LENGTH:
        raise perrors.ProposalInvalid()
    # Members' words are shown to the whole council: personal data is taken out first, and
    # danger is looked for in the whole proposal as in any suggestion.
    original = f"{title}\n{text}"
    return Cleaned(
        moderation.analyse(title).redacted_text,
        moderation.analyse(text).redacted_text,
        safeguarding.danger_of(moderation.analyse(original)),
        original,
    )


@dataclass(frozen=True)
class TakenAside:
    """A proposal that told of danger: an item for a person to act on, not an agenda point."""

    suggestion: Suggestion
    danger: str


def _take_aside(council: Council, cleaned: Cleaned, actor: str) -> TakenAside:
    created = suggestions.create_suggestion(
        text=cleaned.original,
        kind=Kind.PROBLEM,
        channel=Channel.COUNCIL,
        actor=actor,
        area_code=council.area.code,
        public=False,
        family_may_read=False,
    )
    events.record(
        created.suggestion,
        "from_proposal",
        actor,
        detail={"council": council.id, "danger": cleaned.danger},
    )
    db.session.flush()
    log.info(
        "a proposal to council %s was taken aside as item %s", council.id, created.suggestion.id
    )
    return TakenAside(created.suggestion, cleaned.danger)


def propose_as_staff(
    user: StaffUser,
    council: Council,
    *,
    title: str,
    text: str,
    session: CouncilSession | None = None,
) -> Proposal | TakenAside:
    """The facilitator writes down a member's proposal: for the next session, or this one.
    One that tells of danger goes to the people who can help, not on the agenda."""
    if not councils.can_manage(user, council) or (
        session is not None and session.council_id != council.id
    ):
        raise perrors.CouncilNotFound()
    cleaned = _clean_proposal(title, text)
    if cleaned.danger in Danger.RAISED:
        return _take_aside(council, cleaned, user.actor)
    on_agenda = session is not None and session.status != SessionStatus.CLOSED
    proposal = Proposal(
        council=council,
        session=session if on_agenda else None,
        title=cleaned.title,
        text=cleaned.text,
        source=ProposalSource.MEMBER,
        status=ProposalStatus.OPEN if on_agenda else ProposalStatus.PENDING,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def propose_as_member(
    session: CouncilSession,
    member_id: int,
    *,
    title: str,
    text: str,
) -> Proposal | TakenAside:
    """A member proposes something from a tablet in the room: it goes on this session's agenda.
    One that tells of danger goes to the people who can help, not on the agenda."""
    member = council_sessions.session_member(session, member_id)
    cleaned = _clean_proposal(title, text)
    if cleaned.danger in Danger.RAISED:
        return _take_aside(session.council, cleaned, "child")
    proposal = Proposal(
        council=session.council,
        session=session,
        title=cleaned.title,
        text=cleaned.text,
        source=ProposalSource.MEMBER,
        proposer=member,
        status=ProposalStatus.OPEN,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal
