"""What children said together about an item, for the staff queue and item pages:
the councils that adopted it, its cluster and "me too"s, the mission it reports on.
Read-only.
"""

from dataclasses import dataclass

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Mission, Proposal, ProposalStatus, Suggestion
from webapp.services import clusters, council_votes, priority, support


@dataclass(frozen=True)
class Together:
    collective: bool  # ranks before the rest of the queue
    proposals: list[Proposal]  # adopted council proposals about this item
    tallies: dict[int, council_votes.Tally]
    linked: int
    supports: int
    mission: Mission | None
    maybe_same: list[tuple[Suggestion, float]]  # for a person to link

    @property
    def said_the_same(self) -> int:
        return self.linked + self.supports


def adopted_proposals(suggestion: Suggestion) -> list[Proposal]:
    """The council proposals that adopted this suggestion, oldest first."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.suggestion_id == suggestion.id,
                Proposal.status == ProposalStatus.ADOPTED,
            )
            .order_by(Proposal.id)
        )
    )


def together(suggestion: Suggestion) -> Together:
    """Everything children said together about one item."""
    proposals = adopted_proposals(suggestion)
    counts = support.cluster_counts([suggestion])[suggestion.id]
    mission = db.session.scalar(
        select(Mission).where(Mission.report_suggestion_id == suggestion.id)
    )
    maybe_same = []
    if suggestion.is_open and suggestion.linked_to_id is None and not suggestion.urgent:
        linked = {s.id for s in suggestion.linked}
        maybe_same = [
            (s, score)
            for s, score in clusters.similar_open(suggestion, clusters.SUGGEST_THRESHOLD)
            if s.id not in linked and s.linked_to_id != suggestion.id
        ]
    return Together(
        collective=priority.is_collective(suggestion),
        proposals=list(proposals),
        tallies=council_votes.tallies([p.id for p in proposals]),
        linked=counts.linked,
        supports=counts.supports,
        mission=mission,
        maybe_same=maybe_same,
    )


def said_the_same(items: list[Suggestion]) -> dict[int, int]:
    """For a page of the queue: how many other children said the same as each item."""
    return support.said_the_same(items)
