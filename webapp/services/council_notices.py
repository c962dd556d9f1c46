"""The answer to an adopted proposal reaches every member of the council, on its tablets."""

from dataclasses import dataclass

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    CouncilMember,
    CouncilSession,
    Outbox,
    Proposal,
    Suggestion,
)
from webapp.services import council_sessions, outbox, voices

OUTBOX_CHANNEL = "council"  # a member's notices: shown on the council tablet, then marked delivered


def notify_members_of_answer(suggestion: Suggestion) -> int:
    """Queue a notice to every member of each council that adopted this suggestion.

    Members have no contact details: a notice waits for them on the council's
    tablet pages (and the council's page shows every answer). Returns how many.
    """
    proposals = voices.adopted_proposals(suggestion)
    answer = suggestion.answer
    if not proposals or answer is None:
        return 0
    db.session.flush()  # the answer's own created_at is set
    # Once per member and answer, however often this is called.
    told = set(
        db.session.scalars(
            select(Outbox.recipient).where(
                Outbox.channel == OUTBOX_CHANNEL,
                Outbox.suggestion_id == suggestion.id,
                Outbox.created_at >= answer.created_at,
            )
        )
    )
    count = 0
    for proposal in proposals:
        for member in proposal.council.active_members:
            if str(member.id) in told:
                continue
            told.add(str(member.id))
            count += 1
            outbox.enqueue(
                OUTBOX_CHANNEL,
                str(member.id),
                {
                    "type": "council_answer",
                    "suggestion_id": suggestion.id,
                    "proposal_id": proposal.id,
                    "council_id": proposal.council_id,
                },
                suggestion,
            )
    db.session.flush()
    return count


@dataclass(frozen=True)
class Notice:
    id: int
    proposal: Proposal | None
    suggestion: Suggestion | None


def member_notices(member: CouncilMember) -> list[Notice]:
    """Answers to the council's proposals this member has not seen yet."""
    rows = db.session.scalars(
        select(Outbox)
        .where(
            Outbox.channel == OUTBOX_CHANNEL,
            Outbox.recipient == str(member.id),
            Outbox.delivered_at.is_(None),
            Outbox.failed_at.is_(None),
        )
        .order_by(Outbox.id)
    ).all()
    return [
        Notice(
            row.id,
            db.session.get(Proposal, row.payload.get("proposal_id") or 0),
            db.session.get(Suggestion, row.suggestion_id or 0),
        )
        for row in rows
    ]


def mark_notices_read(session: CouncilSession, member_id: int) -> int:
    """The member has seen their notices on a tablet: they count as delivered."""
    member = council_sessions.session_member(session, member_id)
    count = 0
    for notice in member_notices(member):
        count += outbox.mark_delivered(notice.id)
    db.session.flush()
    return count
