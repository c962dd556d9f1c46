"""A council's sessions: set up in draft, opened in the room, closed with minutes;
who attended, and the join code that lets the room's tablets in.
"""

import re
import secrets
import unicodedata
from datetime import date

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    Council,
    CouncilMember,
    CouncilSession,
    ProposalStatus,
    SessionAttendance,
    SessionStatus,
    StaffUser,
    utcnow,
)
from webapp.services import councils, errors, ratelimit
from webapp.services import participation_errors as perrors

MAX_PLACE_LENGTH = 200
MAX_MINUTES_LENGTH = 10000
JOIN_CODE_DIGITS = 6
JOIN_BUCKET = "council_join"
JOIN_FAILURES_ALLOWED = 10
JOIN_WINDOW_SECONDS = 15 * 60


def create_session(
    user: StaffUser,
    council: Council,
    *,
    held_on: date | None,
    place: str,
) -> CouncilSession:
    """A new session in draft, with a join code for the tablets in the room."""
    if not councils.can_manage(user, council):
        raise perrors.CouncilNotFound()
    place = (place or "").strip()
    if not isinstance(held_on, date) or not place or len(place) > MAX_PLACE_LENGTH:
        raise perrors.SessionInputInvalid()
    session = CouncilSession(
        council=council,
        held_on=held_on,
        place=place,
        status=SessionStatus.DRAFT,
        join_code=_new_join_code(),
        created_by_id=user.id,
    )
    db.session.add(session)
    db.session.flush()
    return session


def _new_join_code() -> str:
    while True:
        code = f"{secrets.randbelow(10**JOIN_CODE_DIGITS):0{JOIN_CODE_DIGITS}d}"
        clash = db.session.scalar(
            select(CouncilSession.id).where(
                CouncilSession.join_code == code, CouncilSession.status != SessionStatus.CLOSED
            )
        )
        if clash is None:
            return code


def open_voting(user: StaffUser, session: CouncilSession) -> CouncilSession:
    """The session starts in the room: tablets may now vote on proposals put to the vote."""
    if not councils.can_manage(user, session.council):
        raise perrors.SessionNotFound()
    if session.status != SessionStatus.DRAFT:
        raise errors.WrongState()
    session.status = SessionStatus.VOTING
    session.opened_at = utcnow()
    db.session.flush()
    return session


def close_session(
    user: StaffUser,
    session: CouncilSession,
    minutes: str | None = None,
) -> CouncilSession:
    """End the session; undecided proposals wait for the next one, the join code stops working."""
    if not councils.can_manage(user, session.council):
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
    if not councils.can_manage(user, session.council):
        raise perrors.SessionNotFound()
    session.minutes = _minutes(minutes)
    db.session.flush()
    return session


def set_attendance(user: StaffUser, session: CouncilSession, member_ids: list[int]) -> set[int]:
    """Record who was there: exactly these members of the council."""
    if not councils.can_manage(user, session.council):
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
        session = db.session.scalar(
            select(CouncilSession).where(
                CouncilSession.join_code == digits, CouncilSession.status != SessionStatus.CLOSED
            )
        )
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
