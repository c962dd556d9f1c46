"""Queue priority of an item: urgent first, then what children said together, then the rest.

Proposed semantics of Suggestion.queue_rank (casework._set_due would call queue_rank):
0 urgent, 1 a council proposal or an observer group's report, 2 everything else.
It imports only the models, so casework can import it without a cycle.
"""

from webapp.models import Channel, Suggestion

URGENT, COLLECTIVE, REST = 0, 1, 2
COLLECTIVE_CHANNELS = (Channel.COUNCIL, Channel.OBSERVER)


def is_collective(suggestion: Suggestion) -> bool:
    """A children's council adopted it, or it is an observer group's report."""
    return suggestion.council_id is not None or suggestion.channel in COLLECTIVE_CHANNELS


def queue_rank(suggestion: Suggestion) -> int:
    """The item's rank in the queue (lower comes first)."""
    if suggestion.urgent:
        return URGENT
    return COLLECTIVE if is_collective(suggestion) else REST
