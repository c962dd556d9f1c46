"""Children's councils (儿童议事会): three tiers on the area tree, members with consent,
sessions that vote on proposals, adopted proposals that become (or back) suggestions,
escalation to the council above, and the answer told to every member.

Councils are made top-down (county, then town or street, then village, community or
school), so every lower council has a parent: the council of its parent area.
"""

import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

import moderation
from webapp.extensions import db
from webapp.models import (
    CHILD_AGE_BANDS,
    Channel,
    ConsentMethod,
    Council,
    CouncilMember,
    CouncilSession,
    Danger,
    Kind,
    Outbox,
    Proposal,
    ProposalSource,
    ProposalStatus,
    Role,
    SessionAttendance,
    SessionStatus,
    StaffUser,
    Suggestion,
    Vote,
    VoteChoice,
    utcnow,
)
from webapp.services import (
    errors,
    events,
    outbox,
    priority,
    ratelimit,
    safeguarding,
    suggestions,
    support,
)
from webapp.services import participation_errors as perrors
from webapp.services.workdays import load_calendar

log = logging.getLogger(__name__)

TIERS = ("county", "town", "village")
MAX_NAME_LENGTH = 60
MAX_NICKNAME_LENGTH = 12
MAX_TITLE_LENGTH = 30
MAX_PROPOSAL_LENGTH = 1000
MAX_PLACE_LENGTH = 200
MAX_MINUTES_LENGTH = 10000
JOIN_CODE_DIGITS = 6
JOIN_BUCKET = "council_join"
JOIN_FAILURES_ALLOWED = 10
JOIN_WINDOW_SECONDS = 15 * 60
AGENDA_SECTION_SIZE = 8
OUTBOX_CHANNEL = "council"  # a member's notices: shown on the council tablet, then marked delivered
_PHONE_LIKE = re.compile(r"\d{5,}")


def today() -> date:
    """Today in the city's time zone."""
    return datetime.now(load_calendar().zone).date()


def council_actor(council: Council) -> str:
    """The Event actor for what a council decided."""
    return f"council:{council.id}"


# --- access ---------------------------------------------------------------------

def can_manage(user: StaffUser, council: Council) -> bool:
    """The coordinator manages every council; a facilitator only their own."""
    if user.sees_all_agencies:
        return True
    return user.role == Role.FACILITATOR and user.council_id == council.id


def _require_coordinator(user: StaffUser) -> None:
    from webapp.services import casework  # casework imports this module

    casework.require_coordinator(user)  # the console's one coordinator-only check


def get_council(user: StaffUser, council_id: int) -> Council:
    """A council the user may manage; any other id is simply not found."""
    council = db.session.get(Council, council_id)
    if council is None or not can_manage(user, council):
        raise perrors.CouncilNotFound()
    return council


def get_session(user: StaffUser, session_id: int) -> CouncilSession:
    """A session of a council the user may manage; any other id is not found."""
    session = db.session.get(CouncilSession, session_id)
    if session is None or not can_manage(user, session.council):
        raise perrors.SessionNotFound()
    return session


def get_proposal(user: StaffUser, proposal_id: int) -> Proposal:
    """A proposal of a council the user may manage; any other id is not found."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not can_manage(user, proposal.council):
        raise perrors.ProposalNotFound()
    return proposal


def get_member(user: StaffUser, member_id: int) -> CouncilMember:
    """A member of a council the user may manage; any other id is not found."""
    member = db.session.get(CouncilMember, member_id)
    if member is None or not can_manage(user, member.council):
        raise perrors.MemberNotFound()
    return member


def councils_for(user: StaffUser) -> list[Council]:
    """Every council for the coordinator (top tier first); a facilitator's own; none for others."""
    if user.sees_all_agencies:
        found = db.session.scalars(select(Council)).all()
        return sorted(found, key=lambda c: (TIERS.index(c.tier) if c.tier in TIERS else 9, c.id))
    if user.role == Role.FACILITATOR and user.council is not None:
        return [user.council]
    return []


# --- councils and members ----------------------------------------------------------

def create_council(user: StaffUser, area_code: str, name: str | None = None) -> Council:
    """The coordinator sets up the council of an area, once its parent area has one."""
    _require_coordinator(user)
    area = support.area_by_code(area_code)
    if area.council is not None:
        raise perrors.CouncilExists()
    if area.parent is not None and area.parent.council is None:
        raise perrors.ParentCouncilMissing()
    name = (name or "").strip() or _("%(area)s children's council", area=area.name)
    if len(name) > MAX_NAME_LENGTH:
        raise perrors.NameInvalid()
    council = Council(area=area, name=name)
    db.session.add(council)
    db.session.flush()
    log.info("council %s created for area %s", council.id, area.id)
    return council


def parent_of(council: Council) -> Council | None:
    """The council one tier up (None for the county council)."""
    return council.parent


def _nickname(raw: str | None) -> str:
    nickname = unicodedata.normalize("NFKC", raw or "").strip()
    if (not 1 <= len(nickname) <= MAX_NICKNAME_LENGTH or "@" in nickname
            or _PHONE_LIKE.search(nickname)):
        raise perrors.NicknameInvalid()
    if moderation.analyse(nickname).pii:  # a phone number, an ID number, a full name it knows
        raise perrors.NicknameInvalid()
    return nickname


def add_member(
    user: StaffUser, council: Council, *, nickname: str, age_band: str,
    consent_on: date | None, consent_method: str,
) -> CouncilMember:
    """Add a child by nickname and age band, with the day and way the guardian consented."""
    if not can_manage(user, council):
        raise perrors.CouncilNotFound()
    nickname = _nickname(nickname)
    if age_band not in CHILD_AGE_BANDS:
        raise errors.UnknownAgeBand()
    if (not isinstance(consent_on, date) or consent_on > today()
            or consent_method not in ConsentMethod.ALL):
        raise perrors.ConsentMissing()
    taken = db.session.scalar(select(CouncilMember.id).where(
        CouncilMember.council_id == council.id, CouncilMember.nickname == nickname))
    if taken:
        raise perrors.NicknameTaken()
    member = CouncilMember(council=council, nickname=nickname, age_band=age_band,
                           consent_on=consent_on, consent_method=consent_method,
                           added_by_id=user.id)
    db.session.add(member)
    db.session.flush()
    return member


def remove_member(user: StaffUser, member: CouncilMember) -> CouncilMember:
    """A member leaves (or the guardian withdraws consent); past votes stay counted."""
    if not can_manage(user, member.council):
        raise perrors.MemberNotFound()
    if member.active:
        member.active = False
        member.left_at = utcnow()
        db.session.flush()
    return member


def create_facilitator(user: StaffUser, council: Council, email: str, password: str) -> StaffUser:
    """The coordinator gives a council's adult facilitator an account (or resets it)."""
    from webapp.services import staff  # staff imports casework, which calls this module

    _require_coordinator(user)
    email = (email or "").strip().lower()
    existing = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    if existing is not None and existing.role != Role.FACILITATOR:
        raise perrors.AccountExists()
    try:
        # The agency is a placeholder create_staff needs; a facilitator has none.
        account = staff.create_staff(email, password, "coord", Role.FACILITATOR)
    except errors.StaffInputInvalid:
        raise perrors.FacilitatorInputInvalid() from None
    account.agency = None
    account.council = council
    db.session.flush()
    return account


def facilitators_of(council: Council) -> list[StaffUser]:
    """The active facilitator accounts of a council."""
    return list(db.session.scalars(select(StaffUser).where(
        StaffUser.council_id == council.id, StaffUser.active.is_(True)).order_by(StaffUser.id)))


# --- sessions -------------------------------------------------------------------------

def create_session(
    user: StaffUser, council: Council, *, held_on: date | None, place: str,
) -> CouncilSession:
    """A new session in draft, with a join code for the tablets in the room."""
    if not can_manage(user, council):
        raise perrors.CouncilNotFound()
    place = (place or "").strip()
    if not isinstance(held_on, date) or not place or len(place) > MAX_PLACE_LENGTH:
        raise perrors.SessionInputInvalid()
    session = CouncilSession(council=council, held_on=held_on, place=place,
                             status=SessionStatus.DRAFT, join_code=_new_join_code(),
                             created_by_id=user.id)
    db.session.add(session)
    db.session.flush()
    return session


def _new_join_code() -> str:
    while True:
        code = f"{secrets.randbelow(10 ** JOIN_CODE_DIGITS):0{JOIN_CODE_DIGITS}d}"
        clash = db.session.scalar(select(CouncilSession.id).where(
            CouncilSession.join_code == code, CouncilSession.status != SessionStatus.CLOSED))
        if clash is None:
            return code


def open_voting(user: StaffUser, session: CouncilSession) -> CouncilSession:
    """The session starts in the room: tablets may now vote on proposals put to the vote."""
    if not can_manage(user, session.council):
        raise perrors.SessionNotFound()
    if session.status != SessionStatus.DRAFT:
        raise errors.WrongState()
    session.status = SessionStatus.VOTING
    session.opened_at = utcnow()
    db.session.flush()
    return session


def close_session(
    user: StaffUser, session: CouncilSession, minutes: str | None = None,
) -> CouncilSession:
    """End the session; undecided proposals wait for the next one, the join code stops working."""
    if not can_manage(user, session.council):
        raise perrors.SessionNotFound()
    if session.status == SessionStatus.CLOSED:
        raise errors.WrongState()
    if any(p.status == ProposalStatus.VOTING for p in session.proposals):
        raise perrors.VoteStillOpen()
    for proposal in list(session.proposals):
        if proposal.status == ProposalStatus.OPEN:
            proposal.status = ProposalStatus.PENDING
            proposal.session = None
    if minutes is not None:
        session.minutes = _minutes(minutes)
    session.status = SessionStatus.CLOSED
    session.closed_at = utcnow()
    session.join_code = None
    db.session.flush()
    return session


def _minutes(text: str) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_MINUTES_LENGTH:
        raise errors.AnswerTooLong()
    return text or None


def save_minutes(user: StaffUser, session: CouncilSession, minutes: str) -> CouncilSession:
    """The facilitator's minutes (they may finish them after the session)."""
    if not can_manage(user, session.council):
        raise perrors.SessionNotFound()
    session.minutes = _minutes(minutes)
    db.session.flush()
    return session


def set_attendance(user: StaffUser, session: CouncilSession, member_ids: list[int]) -> set[int]:
    """Record who was there: exactly these members of the council."""
    if not can_manage(user, session.council):
        raise perrors.SessionNotFound()
    valid = {m.id for m in session.council.members}
    wanted = {int(i) for i in member_ids} & valid
    for row in list(session.attendance):
        if row.member_id not in wanted:
            session.attendance.remove(row)
    present = {row.member_id for row in session.attendance}
    for member_id in wanted - present:
        session.attendance.append(SessionAttendance(member_id=member_id))
    db.session.flush()
    return wanted


def join_session(code: str, client: str) -> CouncilSession:
    """The session a tablet in the room joins with the code on the facilitator's screen."""
    if ratelimit.count(JOIN_BUCKET, client, JOIN_WINDOW_SECONDS) >= JOIN_FAILURES_ALLOWED:
        raise errors.TooManyTries()
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", code or ""))
    session = None
    if len(digits) == JOIN_CODE_DIGITS:
        session = db.session.scalar(select(CouncilSession).where(
            CouncilSession.join_code == digits, CouncilSession.status != SessionStatus.CLOSED))
    if session is None:
        ratelimit.hit(JOIN_BUCKET, client, JOIN_WINDOW_SECONDS)
        raise perrors.JoinCodeWrong()
    return session


def joined_session(session_id: int | None) -> CouncilSession:
    """The session a tablet joined earlier, while it is still going on."""
    session = db.session.get(CouncilSession, session_id) if session_id else None
    if session is None or session.status == SessionStatus.CLOSED:
        raise perrors.JoinCodeWrong()
    return session


def session_member(session: CouncilSession, member_id: int) -> CouncilMember:
    """An active member of the session's council (picked on a tablet)."""
    member = db.session.get(CouncilMember, member_id)
    if member is None or member.council_id != session.council_id or not member.active:
        raise perrors.MemberNotFound()
    return member


# --- the agenda -------------------------------------------------------------------------

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
    taken = set(db.session.scalars(select(Proposal.suggestion_id).where(
        Proposal.council_id == council.id, Proposal.suggestion_id.is_not(None),
        Proposal.status.in_((*ProposalStatus.UNDECIDED, ProposalStatus.ADOPTED)))))
    base = select(Suggestion).where(
        *support.listable_clause(), Suggestion.linked_to_id.is_(None),
        Suggestion.area_id.in_(support.area_and_below_ids(council.area)))
    recent = [s for s in db.session.scalars(base.order_by(Suggestion.id.desc()).limit(300))
              if s.id not in taken]
    counts = support.cluster_counts(recent)

    def items(rows, key) -> list[AgendaItem]:
        made = [AgendaItem(s, counts[s.id].linked, counts[s.id].supports) for s in rows]
        return sorted((i for i in made if key(i) > 0), key=lambda i: (-key(i), -i.suggestion.id))

    supported = items(recent, lambda i: i.supports)[:AGENDA_SECTION_SIZE]
    clusters = items(recent, lambda i: i.linked)[:AGENDA_SECTION_SIZE]
    late = [s for s in db.session.scalars(
        base.where(Suggestion.due_at < now).order_by(Suggestion.due_at)
        .limit(AGENDA_SECTION_SIZE * 2))
        if s.id not in taken][:AGENDA_SECTION_SIZE]
    late_counts = support.cluster_counts(late)
    overdue = [AgendaItem(s, late_counts[s.id].linked, late_counts[s.id].supports) for s in late]
    pending = db.session.scalars(select(Proposal).where(
        Proposal.council_id == council.id, Proposal.status == ProposalStatus.PENDING,
    ).order_by(Proposal.id)).all()
    return Agenda(
        supported=supported, clusters=clusters, overdue=overdue,
        escalated=[p for p in pending if p.source == ProposalSource.ESCALATED],
        proposed=[p for p in pending if p.source != ProposalSource.ESCALATED],
    )


def add_suggestion_to_agenda(
    user: StaffUser, session: CouncilSession, suggestion_id: int, source: str,
) -> Proposal:
    """Put an open suggestion of the council's area on a session's agenda."""
    if not can_manage(user, session.council):
        raise perrors.SessionNotFound()
    if session.status == SessionStatus.CLOSED:
        raise errors.WrongState()
    if source not in (ProposalSource.SUGGESTION, ProposalSource.CLUSTER, ProposalSource.OVERDUE):
        raise perrors.ProposalInvalid()
    council = session.council
    suggestion = db.session.get(Suggestion, suggestion_id)
    if (suggestion is None or not support.is_listable(suggestion)
            or suggestion.area_id not in support.area_and_below_ids(council.area)):
        raise perrors.SuggestionNotFound()
    already = db.session.scalar(select(Proposal.id).where(
        Proposal.council_id == council.id, Proposal.suggestion_id == suggestion.id,
        Proposal.status.in_((*ProposalStatus.UNDECIDED, ProposalStatus.ADOPTED))))
    if already:
        raise perrors.ProposalWrongState()
    words = support.public_words(suggestion)  # what a moderator approved for other children
    proposal = Proposal(council=council, session=session, source=source, suggestion=suggestion,
                        title=_title_from(words), text=words, status=ProposalStatus.OPEN)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def schedule(user: StaffUser, session: CouncilSession, proposal_id: int) -> Proposal:
    """Put a waiting proposal (a member's own or one passed up) on a session's agenda."""
    if not can_manage(user, session.council):
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


def _title_from(text: str) -> str:
    first = re.split(r"[。！？!?\n]", (text or "").strip(), maxsplit=1)[0]
    return first[:MAX_TITLE_LENGTH - 1] + "…" if len(first) > MAX_TITLE_LENGTH else first


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
    return Cleaned(moderation.analyse(title).redacted_text, moderation.analyse(text).redacted_text,
                   safeguarding.danger_of(moderation.analyse(original)), original)


@dataclass(frozen=True)
class TakenAside:
    """A proposal that told of danger: an item for a person to act on, not an agenda point."""

    suggestion: Suggestion
    danger: str


def _take_aside(council: Council, cleaned: Cleaned, actor: str) -> TakenAside:
    created = suggestions.create_suggestion(
        text=cleaned.original, kind=Kind.PROBLEM, channel=Channel.COUNCIL, actor=actor,
        area_code=council.area.code, public=False, family_may_read=False,
    )
    events.record(created.suggestion, "from_proposal", actor,
                  detail={"council": council.id, "danger": cleaned.danger})
    db.session.flush()
    log.info("a proposal to council %s was taken aside as item %s",
             council.id, created.suggestion.id)
    return TakenAside(created.suggestion, cleaned.danger)


def propose_as_staff(
    user: StaffUser, council: Council, *, title: str, text: str,
    session: CouncilSession | None = None,
) -> Proposal | TakenAside:
    """The facilitator writes down a member's proposal: for the next session, or this one.
    One that tells of danger goes to the people who can help, not on the agenda."""
    if not can_manage(user, council) or (session is not None and session.council_id != council.id):
        raise perrors.CouncilNotFound()
    cleaned = _clean_proposal(title, text)
    if cleaned.danger in Danger.RAISED:
        return _take_aside(council, cleaned, user.actor)
    on_agenda = session is not None and session.status != SessionStatus.CLOSED
    proposal = Proposal(council=council, session=session if on_agenda else None,
                        title=cleaned.title, text=cleaned.text, source=ProposalSource.MEMBER,
                        status=ProposalStatus.OPEN if on_agenda else ProposalStatus.PENDING)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def propose_as_member(
    session: CouncilSession, member_id: int, *, title: str, text: str,
) -> Proposal | TakenAside:
    """A member proposes something from a tablet in the room: it goes on this session's agenda.
    One that tells of danger goes to the people who can help, not on the agenda."""
    member = session_member(session, member_id)
    cleaned = _clean_proposal(title, text)
    if cleaned.danger in Danger.RAISED:
        return _take_aside(session.council, cleaned, "child")
    proposal = Proposal(council=session.council, session=session, title=cleaned.title,
                        text=cleaned.text, source=ProposalSource.MEMBER, proposer=member,
                        status=ProposalStatus.OPEN)
    db.session.add(proposal)
    db.session.flush()
    return proposal


# --- votes -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tally:
    agree: int = 0
    disagree: int = 0
    abstain: int = 0

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.abstain

    @property
    def adopted(self) -> bool:
        """More than half of the votes cast say yes (not sure counts as not yes)."""
        return self.agree * 2 > self.total

    def as_dict(self) -> dict[str, int]:
        return {VoteChoice.FOR: self.agree, VoteChoice.AGAINST: self.disagree,
                VoteChoice.ABSTAIN: self.abstain}


def tallies(proposal_ids: list[int]) -> dict[int, Tally]:
    """Votes per proposal, counted in one query."""
    counts: dict[int, dict[str, int]] = {pid: {} for pid in proposal_ids}
    if proposal_ids:
        for pid, choice, n in db.session.execute(
            select(Vote.proposal_id, Vote.choice, func.count())
            .where(Vote.proposal_id.in_(proposal_ids)).group_by(Vote.proposal_id, Vote.choice)
        ):
            counts[pid][choice] = n
    return {pid: Tally(c.get(VoteChoice.FOR, 0), c.get(VoteChoice.AGAINST, 0),
                       c.get(VoteChoice.ABSTAIN, 0)) for pid, c in counts.items()}


def tally(proposal: Proposal) -> Tally:
    """The votes on one proposal."""
    return tallies([proposal.id])[proposal.id]


def start_vote(user: StaffUser, proposal: Proposal) -> Proposal:
    """Put a proposal on the session's agenda to the vote now."""
    if not can_manage(user, proposal.council):
        raise perrors.ProposalNotFound()
    if proposal.session is None or proposal.session.status != SessionStatus.VOTING:
        raise perrors.VoteNotOpen()
    if proposal.status != ProposalStatus.OPEN:
        raise perrors.ProposalWrongState()
    proposal.status = ProposalStatus.VOTING
    db.session.flush()
    return proposal


def cast_vote(session: CouncilSession, member_id: int, proposal_id: int, choice: str) -> Tally:
    """One member's vote from a tablet in the room: one each, changeable while the vote is open."""
    if session.status != SessionStatus.VOTING:
        raise perrors.VoteNotOpen()
    member = session_member(session, member_id)
    proposal = db.session.get(Proposal, proposal_id)
    if (proposal is None or proposal.session_id != session.id
            or proposal.status != ProposalStatus.VOTING):
        raise perrors.VoteNotOpen()
    if choice not in VoteChoice.ALL:
        raise perrors.UnknownChoice()
    vote = db.session.scalar(select(Vote).where(Vote.proposal_id == proposal.id,
                                                Vote.member_id == member.id))
    if vote is None:
        try:
            with db.session.begin_nested():
                db.session.add(Vote(proposal=proposal, member=member, choice=choice))
        except IntegrityError:  # the same member tapped twice at once: one vote, the last choice
            vote = db.session.scalar(select(Vote).where(Vote.proposal_id == proposal.id,
                                                        Vote.member_id == member.id))
    if vote is not None:
        vote.choice = choice
    if not any(row.member_id == member.id for row in session.attendance):
        session.attendance.append(SessionAttendance(member_id=member.id))  # who voted was there
    db.session.flush()
    return tally(proposal)


def voting_now(session: CouncilSession) -> list[Proposal]:
    """The session's proposals put to the vote right now."""
    return [p for p in session.proposals if p.status == ProposalStatus.VOTING]


def member_votes(session: CouncilSession, member_id: int) -> dict[int, str]:
    """proposal id -> this member's choice, for the session's proposals."""
    ids = [p.id for p in session.proposals]
    if not ids:
        return {}
    return dict(db.session.execute(select(Vote.proposal_id, Vote.choice).where(
        Vote.member_id == member_id, Vote.proposal_id.in_(ids))).all())


@dataclass(frozen=True)
class Outcome:
    proposal: Proposal
    tally: Tally
    code: str | None  # the new suggestion's tracking code, shown once to the facilitator


def close_vote(user: StaffUser, proposal: Proposal) -> Outcome:
    """Count the votes: adopted if more than half say yes; then it goes to the agency."""
    if not can_manage(user, proposal.council):
        raise perrors.ProposalNotFound()
    if proposal.status != ProposalStatus.VOTING:
        raise perrors.ProposalWrongState()
    result = tally(proposal)
    if result.total == 0:
        raise perrors.NoVotes()
    status = ProposalStatus.ADOPTED if result.adopted else ProposalStatus.REJECTED
    # Compare and set: of two clicks at once, only one counts (and creates the suggestion).
    decided = db.session.execute(
        update(Proposal).where(Proposal.id == proposal.id, Proposal.status == ProposalStatus.VOTING)
        .values(status=status, decided_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if decided != 1:
        raise perrors.ProposalWrongState()
    db.session.refresh(proposal, ["status", "decided_at"])
    code = _adopt(user, proposal, result) if result.adopted else None
    db.session.flush()
    log.info("proposal %s %s (%d votes)", proposal.id, proposal.status, result.total)
    return Outcome(proposal, result, code)


def _adopt(user: StaffUser, proposal: Proposal, result: Tally) -> str | None:
    """A proposal of its own becomes a suggestion; one about a suggestion backs that one."""
    council = proposal.council
    code = None
    if proposal.suggestion is None:
        # Public: a council's proposal is shown on its page, once a moderator approved it.
        created = suggestions.create_suggestion(
            text=f"{proposal.title}\n{proposal.text}", kind=Kind.IDEA, channel=Channel.COUNCIL,
            actor=council_actor(council), area_code=council.area.code, public=True,
            family_may_read=False,
        )
        proposal.suggestion = created.suggestion
        code = created.code
    suggestion = proposal.suggestion
    if suggestion.council_id is None:
        suggestion.council_id = council.id
    if suggestion.is_open:  # a council's voice comes before the rest (never after urgent)
        suggestion.queue_rank = min(suggestion.queue_rank, priority.queue_rank(suggestion))
    events.record(suggestion, "council_adopted", council_actor(council), detail={
        "council": council.id, "session": proposal.session_id, "proposal": proposal.id,
        "tier": council.tier, "by": user.actor, **result.as_dict()})
    return code


def escalate(user: StaffUser, proposal: Proposal) -> Proposal:
    """Pass an adopted proposal up to the parent council: it waits on that council's agenda."""
    if not can_manage(user, proposal.council):
        raise perrors.ProposalNotFound()
    if proposal.status != ProposalStatus.ADOPTED or proposal.suggestion is None:
        raise perrors.ProposalWrongState()
    parent = proposal.council.parent
    if parent is None:
        raise perrors.NoParentCouncil()
    if db.session.scalar(select(Proposal.id).where(Proposal.escalated_from_id == proposal.id)):
        raise perrors.AlreadyEscalated()
    up = Proposal(council=parent, title=proposal.title, text=proposal.text,
                  source=ProposalSource.ESCALATED, status=ProposalStatus.PENDING,
                  suggestion=proposal.suggestion, escalated_from=proposal)
    db.session.add(up)
    db.session.flush()
    events.record(proposal.suggestion, "council_escalated", council_actor(proposal.council),
                  detail={"council": proposal.council_id, "to_council": parent.id,
                          "proposal": up.id, "by": user.actor})
    db.session.flush()
    return up


# --- the answer reaches every member -------------------------------------------------------

def notify_members_of_answer(suggestion: Suggestion) -> int:
    """Queue a notice to every member of each council that adopted this suggestion.

    Members have no contact details: a notice waits for them on the council's
    tablet pages (and the council's page shows every answer). Returns how many.
    """
    proposals = db.session.scalars(select(Proposal).where(
        Proposal.suggestion_id == suggestion.id, Proposal.status == ProposalStatus.ADOPTED,
    ).order_by(Proposal.id)).all()
    answer = suggestion.answer
    if not proposals or answer is None:
        return 0
    db.session.flush()  # the answer's own created_at is set
    # Once per member and answer, however often this is called.
    told = set(db.session.scalars(select(Outbox.recipient).where(
        Outbox.channel == OUTBOX_CHANNEL, Outbox.suggestion_id == suggestion.id,
        Outbox.created_at >= answer.created_at)))
    count = 0
    for proposal in proposals:
        for member in proposal.council.active_members:
            if str(member.id) in told:
                continue
            told.add(str(member.id))
            count += 1
            outbox.enqueue(OUTBOX_CHANNEL, str(member.id), {
                "type": "council_answer", "suggestion_id": suggestion.id,
                "proposal_id": proposal.id, "council_id": proposal.council_id,
            }, suggestion)
    db.session.flush()
    return count


@dataclass(frozen=True)
class Notice:
    id: int
    proposal: Proposal | None
    suggestion: Suggestion | None


def member_notices(member: CouncilMember) -> list[Notice]:
    """Answers to the council's proposals this member has not seen yet."""
    rows = db.session.scalars(select(Outbox).where(
        Outbox.channel == OUTBOX_CHANNEL, Outbox.recipient == str(member.id),
        Outbox.delivered_at.is_(None), Outbox.failed_at.is_(None)).order_by(Outbox.id)).all()
    return [Notice(row.id, db.session.get(Proposal, row.payload.get("proposal_id") or 0),
                   db.session.get(Suggestion, row.suggestion_id or 0)) for row in rows]


def mark_notices_read(session: CouncilSession, member_id: int) -> int:
    """The member has seen their notices on a tablet: they count as delivered."""
    member = session_member(session, member_id)
    count = 0
    for notice in member_notices(member):
        count += outbox.mark_delivered(notice.id)
    db.session.flush()
    return count


# --- pages ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Overview:
    council: Council
    facilitators: list[StaffUser]
    sessions: list[CouncilSession]
    pending: list[Proposal]
    decided: list[Proposal]
    tallies: dict[int, Tally]
    below: list[Council]


def overview(user: StaffUser, council_id: int) -> Overview:
    """The staff page of one council: members, facilitators, sessions, proposals."""
    council = get_council(user, council_id)
    proposals = db.session.scalars(select(Proposal).where(Proposal.council_id == council.id)
                                   .order_by(Proposal.id.desc())).all()
    decided = [p for p in proposals
               if p.status in (ProposalStatus.ADOPTED, ProposalStatus.REJECTED)]
    return Overview(
        council=council, facilitators=facilitators_of(council), sessions=list(council.sessions),
        pending=[p for p in proposals if p.status == ProposalStatus.PENDING], decided=decided,
        tallies=tallies([p.id for p in decided]), below=_councils_below(council),
    )


def _councils_below(council: Council) -> list[Council]:
    return [a.council for a in sorted(council.area.children, key=lambda a: a.id) if a.council]


@dataclass(frozen=True)
class SessionView:
    session: CouncilSession
    tallies: dict[int, Tally]
    agenda: Agenda | None  # None once the session is closed
    present: set[int]


def session_view(user: StaffUser, session_id: int) -> SessionView:
    """The facilitator's page for a session: agenda, votes, attendance, minutes."""
    session = get_session(user, session_id)
    return SessionView(
        session=session, tallies=tallies([p.id for p in session.proposals]),
        agenda=None if session.status == SessionStatus.CLOSED else build_agenda(session.council),
        present={row.member_id for row in session.attendance},
    )


@dataclass(frozen=True)
class Room:
    session: CouncilSession
    voting: list[Proposal]  # put to the vote right now
    tallies: dict[int, Tally]


def room_view(session_id: int | None) -> Room:
    """What a tablet in the room shows: the members to pick from and the votes going on."""
    session = joined_session(session_id)
    return Room(session, voting_now(session), tallies([p.id for p in session.proposals]))


@dataclass(frozen=True)
class MemberPage:
    room: Room
    member: CouncilMember
    mine: dict[int, str]  # proposal id -> this member's vote
    notices: list[Notice]


def member_view(session_id: int | None, member_id: int) -> MemberPage:
    """One member on a tablet: what to vote on, their votes, answers they have not seen."""
    room = room_view(session_id)
    member = session_member(room.session, member_id)
    return MemberPage(room, member, member_votes(room.session, member.id), member_notices(member))


def live_tallies(session: CouncilSession) -> dict[int, dict]:
    """Votes of the session's proposals, for the pages that update themselves."""
    counts = tallies([p.id for p in session.proposals])
    return {p.id: {"status": p.status, **counts[p.id].as_dict()} for p in session.proposals}


@dataclass(frozen=True)
class PublicCouncil:
    council: Council
    below: list[Council]
    proposals: list[Proposal]  # adopted, newest first, with their suggestions' answers
    tallies: dict[int, Tally]
    sessions: list[CouncilSession]
    words: dict[int, tuple[str, str] | None]  # proposal id -> approved (title, text), or None


def public_words(proposal: Proposal) -> tuple[str, str] | None:
    """A proposal's title and text as other people may read them: only once a moderator
    approved its suggestion (as edited, if it was), never for one that tells of danger."""
    suggestion = proposal.suggestion
    if suggestion is None or not support.is_public(suggestion):
        return None
    if suggestion.public_text:
        return _title_from(suggestion.public_text), suggestion.public_text
    return proposal.title, proposal.text


def public_council(council_id: int) -> PublicCouncil:
    """What every child may see of a council: its proposals, their votes and answers."""
    council = db.session.get(Council, council_id)
    if council is None:
        raise perrors.CouncilNotFound()
    adopted = db.session.scalars(select(Proposal).where(
        Proposal.council_id == council.id, Proposal.status == ProposalStatus.ADOPTED,
    ).order_by(Proposal.decided_at.desc(), Proposal.id.desc()).limit(50)).all()
    closed = [s for s in council.sessions if s.status == SessionStatus.CLOSED][:10]
    return PublicCouncil(council, _councils_below(council), list(adopted),
                         tallies([p.id for p in adopted]), closed,
                         {p.id: public_words(p) for p in adopted})


def all_councils() -> list[Council]:
    """Every council, top tier first, for children to find theirs."""
    found = db.session.scalars(select(Council)).all()
    return sorted(found, key=lambda c: (TIERS.index(c.tier) if c.tier in TIERS else 9, c.id))
