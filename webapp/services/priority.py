"""Queue priority of an item: urgent first, then what a person must look at today and what
children said together, then the rest.

Suggestion.queue_rank (casework._set_due calls queue_rank): 0 urgent (danger "urgent"),
1 danger "review" (a person looks today), a council proposal or an observer group's report,
2 everything else. It imports only the models, so casework can import it without a cycle.
"""

from webapp.models import Channel, Danger, Suggestion

URGENT, COLLECTIVE, REST = 0, 1, 2
REVIEW = COLLECTIVE  # before the rest, never before urgent
COLLECTIVE_CHANNELS = (Channel.COUNCIL, Channel.OBSERVER)


def is_collective(suggestion: Suggestion) -> bool:
    """A children's council adopted it, or it is an observer group's report."""
    return suggestion.council_id is not None or suggestion.channel in COLLECTIVE_CHANNELS


def queue_rank(suggestion: Suggestion) -> int:
    """The item's rank in the queue (lower comes first)."""
    if suggestion.urgent or suggestion.danger == Danger.URGENT:
        return URGENT
    if suggestion.danger == Danger.REVIEW:
        return REVIEW
    return COLLECTIVE if is_collective(suggestion) else REST
