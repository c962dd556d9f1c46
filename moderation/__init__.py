"""Tongyan text analysis: normalise, redact personal data, detect danger, sentiment, topic, agency.

Pure Python, no Flask and no database: text in, an `Analysis` out.

    from moderation import analyse
    a = analyse("公园的滑梯坏了")
    a.agency, a.confidence, a.routed, a.urgent, a.redacted_text
"""

from moderation.analysis import ROUTING_THRESHOLD, Analysis, analyse, warm_up
from moderation.lexicon import AGENCY_CODES, TOPICS
from moderation.pii import PiiSpan

__all__ = [
    "AGENCY_CODES",
    "ROUTING_THRESHOLD",
    "TOPICS",
    "Analysis",
    "PiiSpan",
    "analyse",
    "warm_up",
]
