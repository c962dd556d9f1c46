"""Children's councils (儿童议事会): three tiers on the area tree, their members with consent,
their facilitators, and who may manage which council.

Councils are made top-down (county, then town or street, then village, community or
school), so every lower council has a parent: the council of its parent area.
"""

import logging
import re
import unicodedata
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

import moderation
from webapp.extensions import db
from webapp.models import (
    CHILD_AGE_BANDS,
    ConsentMethod,
    Council,
    CouncilMember,
    CouncilSession,
    Proposal,
    Role,
    StaffUser,
    utcnow,
)
from webapp.services import errors, support
from webapp.services import participation_errors as perrors
from webapp.services.workdays import load_calendar

log = logging.getLogger(__name__)

TIERS = ("county", "town", "village")
MAX_NAME_LENGTH = 60
MAX_NICKNAME_LENGTH = 12
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
        return _by_tier(found)
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


def _nickname(raw: str | None) -> str:
    nickname = unicodedata.normalize("NFKC", raw or "").strip()
    if (
        not 1 <= len(nickname) <= MAX_NICKNAME_LENGTH
        or "@" in nickname
        or _PHONE_LIKE.search(nickname)
    ):
        raise perrors.NicknameInvalid()
    if moderation.analyse(nickname).pii:  # a phone number, an ID number, a full name it knows
        raise perrors.NicknameInvalid()
    return nickname


def add_member(
    user: StaffUser,
    council: Council,
    *,
    nickname: str,
    age_band: str,
    consent_on: date | None,
    consent_method: str,
) -> CouncilMember:
    """Add a child by nickname and age band, with the day and way the guardian consented."""
    if not can_manage(user, council):
        raise perrors.CouncilNotFound()
    nickname = _nickname(nickname)
    if age_band not in CHILD_AGE_BANDS:
        raise errors.UnknownAgeBand()
    if (
        not isinstance(consent_on, date)
        or consent_on > today()
        or consent_method not in ConsentMethod.ALL
    ):
        raise perrors.ConsentMissing()
    taken = db.session.scalar(
        select(CouncilMember.id).where(
            CouncilMember.council_id == council.id, CouncilMember.nickname == nickname
        )
    )
    if taken:
        raise perrors.NicknameTaken()
    member = CouncilMember(
        council=council,
        nickname=nickname,
        age_band=age_band,
        consent_on=consent_on,
        consent_method=consent_method,
        added_by_id=user.id,
    )
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
    return list(
        db.session.scalars(
            select(StaffUser)
            .where(StaffUser.council_id == council.id, StaffUser.active.is_(True))
            .order_by(StaffUser.id)
        )
    )


def _by_tier(found: list[Council]) -> list[Council]:
    return sorted(found, key=lambda c: (TIERS.index(c.tier) if c.tier in TIERS else 9, c.id))


def all_councils() -> list[Council]:
    """Every council, top tier first, for children to find theirs."""
    return _by_tier(db.session.scalars(select(Council)).all())
