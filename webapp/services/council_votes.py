"""Votes in a council session: put to the vote, cast from the room's tablets, counted;
an adopted proposal becomes (or backs) a suggestion and may be passed up a tier.
"""

import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import (
    Channel,
    CouncilSession,
    Kind,
    Proposal,
    ProposalSource,
    ProposalStatus,
    SessionAttendance,
    SessionStatus,
    StaffUser,
    Vote,
    VoteChoice,
    utcnow,
)
from webapp.services import council_sessions, councils, events, priority, suggestions
from webapp.services import participation_errors as perrors

log = logging.getLogger(__name__)


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
        return {
            VoteChoice.FOR: self.agree,
            VoteChoice.AGAINST: self.disagree,
            VoteChoice.ABSTAIN: self.abstain,
        }


def tallies(proposal_ids: list[int]) -> dict[int, Tally]:
    """Votes per proposal, counted in one query."""
    counts: dict[int, dict[str, int]] = {pid: {} for pid in proposal_ids}
    if proposal_ids:
        for pid, choice, n in db.session.execute(
            select(Vote.proposal_id, Vote.choice, func.count())
            .where(Vote.proposal_id.in_(proposal_ids))
            .group_by(Vote.proposal_id, Vote.choice)
        ):
            counts[pid][choice] = n
    return {
        pid: Tally(
            c.get(VoteChoice.FOR, 0), c.get(VoteChoice.AGAINST, 0), c.get(VoteChoice.ABSTAIN, 0)
        )
        for pid, c in counts.items()
    }


def tally(proposal: Proposal) -> Tally:
    """The votes on one proposal."""
    return tallies([proposal.id])[proposal.id]


def start_vote(user: StaffUser, proposal: Proposal) -> Proposal:
    """Put a proposal on the session's agenda to the vote now."""
    if not councils.can_manage(user, proposal.council):
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
    member = council_sessions.session_member(session, member_id)
    proposal = db.session.get(Proposal, proposal_id)
    if (
        proposal is None
        or proposal.session_id != session.id
        or proposal.status != ProposalStatus.VOTING
    ):
        raise perrors.VoteNotOpen()
    if choice not in VoteChoice.ALL:
        raise perrors.UnknownChoice()
    vote = db.session.scalar(
        select(Vote).where(Vote.proposal_id == proposal.id, Vote.member_id == member.id)
    )
    if vote is None:
        try:
            with db.session.begin_nested():
                db.session.add(Vote(proposal=proposal, member=member, choice=choice))
        except IntegrityError:  # the same member tapped twice at once: one vote, the last choice
            vote = db.session.scalar(
                select(Vote).where(Vote.proposal_id == proposal.id, Vote.member_id == member.id)
            )
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
    return dict(
        db.session.execute(
            select(Vote.proposal_id, Vote.choice).where(
                Vote.member_id == member_id, Vote.proposal_id.in_(ids)
            )
        ).all()
    )


@dataclass(frozen=True)
class Outcome:
    proposal: Proposal
    tally: Tally
    code: str | None  # the new suggestion's tracking code, shown once to the facilitator


def close_vote(user: StaffUser, proposal: Proposal) -> Outcome:
    """Count the votes: adopted if more than half say yes; then it goes to the agency."""
    if not councils.can_manage(user, proposal.council):
        raise perrors.ProposalNotFound()
    if proposal.status != ProposalStatus.VOTING:
        raise perrors.ProposalWrongState()
    result = tally(proposal)
    if result.total == 0:
        raise perrors.NoVotes()
    status = ProposalStatus.ADOPTED if result.adopted else ProposalStatus.REJECTED
    # Compare and set: of two clicks at once, only one counts (and creates the suggestion).
    decided = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.status == ProposalStatus.VOTING)
        .values(status=status, decided_at=utcnow())
        .execution_options(synchronize_session=False)
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
            text=f"{proposal.title}\n{proposal.text}",
            kind=Kind.IDEA,
            channel=Channel.COUNCIL,
            actor=councils.council_actor(council),
            area_code=council.area.code,
            public=True,
            family_may_read=False,
        )
        proposal.suggestion = created.suggestion
        code = created.code
    suggestion = proposal.suggestion
    if suggestion.council_id is None:
        suggestion.council_id = council.id
    if suggestion.is_open:  # a council's voice comes before the rest (never after urgent)
        suggestion.queue_rank = min(suggestion.queue_rank, priority.queue_rank(suggestion))
    events.record(
        suggestion,
        "council_adopted",
        councils.council_actor(council),
        detail={
            "council": council.id,
            "session": proposal.session_id,
            "proposal": proposal.id,
            "tier": council.tier,
            "by": user.actor,
            **result.as_dict(),
        },
    )
    return code


def escalate(user: StaffUser, proposal: Proposal) -> Proposal:
    """Pass an adopted proposal up to the parent council: it waits on that council's agenda."""
    if not councils.can_manage(user, proposal.council):
        raise perrors.ProposalNotFound()
    if proposal.status != ProposalStatus.ADOPTED or proposal.suggestion is None:
        raise perrors.ProposalWrongState()
    parent = proposal.council.parent
    if parent is None:
        raise perrors.NoParentCouncil()
    if db.session.scalar(select(Proposal.id).where(Proposal.escalated_from_id == proposal.id)):
        raise perrors.AlreadyEscalated()
    up = Proposal(
        council=parent,
        title=proposal.title,
        text=proposal.text,
        source=ProposalSource.ESCALATED,
        status=ProposalStatus.PENDING,
        suggestion=proposal.suggestion,
        escalated_from=proposal,
    )
    db.session.add(up)
    db.session.flush()
    events.record(
        proposal.suggestion,
        "council_escalated",
        councils.council_actor(proposal.council),
        detail={
            "council": proposal.council_id,
            "to_council": parent.id,
            "proposal": up.id,
            "by": user.actor,
        },
    )
    db.session.flush()
    return up
