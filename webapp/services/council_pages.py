"""What the council pages show: the staff overview and session page, the room's tablets,
one member's page, and the public page every child may see.
"""

from dataclasses import dataclass

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    Council,
    CouncilMember,
    CouncilSession,
    Proposal,
    ProposalStatus,
    SessionStatus,
    StaffUser,
)
from webapp.services import (
    council_agenda,
    council_notices,
    council_sessions,
    council_votes,
    councils,
    support,
)
from webapp.services import participation_errors as perrors
from webapp.services.council_agenda import Agenda
from webapp.services.council_notices import Notice
from webapp.services.council_votes import Tally


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
    council = councils.get_council(user, council_id)
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.council_id == council.id).order_by(Proposal.id.desc())
    ).all()
    decided = [
        p for p in proposals if p.status in (ProposalStatus.ADOPTED, ProposalStatus.REJECTED)
    ]
    return Overview(
        council=council,
        facilitators=councils.facilitators_of(council),
        sessions=list(council.sessions),
        pending=[p for p in proposals if p.status == ProposalStatus.PENDING],
        decided=decided,
        tallies=council_votes.tallies([p.id for p in decided]),
        below=_councils_below(council),
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
    session = councils.get_session(user, session_id)
    return SessionView(
        session=session,
        tallies=council_votes.tallies([p.id for p in session.proposals]),
        agenda=None
        if session.status == SessionStatus.CLOSED
        else council_agenda.build_agenda(session.council),
        present={row.member_id for row in session.attendance},
    )


@dataclass(frozen=True)
class Room:
    session: CouncilSession
    voting: list[Proposal]  # put to the vote right now
    tallies: dict[int, Tally]


def room_view(session_id: int | None) -> Room:
    """What a tablet in the room shows: the members to pick from and the votes going on."""
    session = council_sessions.joined_session(session_id)
    return Room(
        session,
        council_votes.voting_now(session),
        council_votes.tallies([p.id for p in session.proposals]),
    )


@dataclass(frozen=True)
class MemberPage:
    room: Room
    member: CouncilMember
    mine: dict[int, str]  # proposal id -> this member's vote
    notices: list[Notice]


def member_view(session_id: int | None, member_id: int) -> MemberPage:
    """One member on a tablet: what to vote on, their votes, answers they have not seen."""
    room = room_view(session_id)
    member = council_sessions.session_member(room.session, member_id)
    return MemberPage(
        room,
        member,
        council_votes.member_votes(room.session, member.id),
        council_notices.member_notices(member),
    )


def live_tallies(session: CouncilSession) -> dict[int, dict]:
    """Votes of the session's proposals, for the pages that update themselves."""
    counts = council_votes.tallies([p.id for p in session.proposals])
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
        return council_agenda.title_from(suggestion.public_text), suggestion.public_text
    return proposal.title, proposal.text


def public_council(council_id: int) -> PublicCouncil:
    """What every child may see of a council: its proposals, their votes and answers."""
    council = db.session.get(Council, council_id)
    if council is None:
        raise perrors.CouncilNotFound()
    adopted = db.session.scalars(
        select(Proposal)
        .where(
            Proposal.council_id == council.id,
            Proposal.status == ProposalStatus.ADOPTED,
        )
        .order_by(Proposal.decided_at.desc(), Proposal.id.desc())
        .limit(50)
    ).all()
    closed = [s for s in council.sessions if s.status == SessionStatus.CLOSED][:10]
    return PublicCouncil(
        council,
        _councils_below(council),
        list(adopted),
        council_votes.tallies([p.id for p in adopted]),
        closed,
        {p.id: public_words(p) for p in adopted},
    )
