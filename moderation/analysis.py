"""analyse(text) -> Analysis: the one entry point the web app, the bot and the CLI use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moderation import danger, features, model, normalise
from moderation.lexicon import AGENCY_CODES, FALLBACK_AGENCY, WISH, topic_for
from moderation.pii import PiiSpan, find_pii, redact

# Confidence at or above which an item goes straight to its agency; below it the
# coordinator triages with the top 3 (a danger item always goes to its owner). Calibrated
# by 5-fold cross-validation on the corpus (python -m moderation.evaluate): the lowest
# confidence at which the routed items' top-1 accuracy is >= 0.95. Measured on the
# non-danger items of the 10,501-line corpus: 14% go to triage (3% of the dev set).
ROUTING_THRESHOLD = 0.65

# A text the model calls neutral is negative when the words before its first wish are a
# problem with at least this probability (the CONTRACT's "problem followed by a wish").
# Set on the dev set and cross-validation (python -m moderation.evaluate).
PROBLEM_FIRST = 0.7

MAX_KEYWORDS = 5
_HAS_TEXT = re.compile(r"[\w\u3400-\u9fff]")


@dataclass(frozen=True, slots=True)
class Analysis:
    """What moderation makes of one text.

    confidence is the calibrated probability that `agency` is right; sentiment_score is
    the model's probability of `sentiment` (1.0 when a rule decided it: a danger text is
    negative, a text with nothing to read is neutral). A danger item (danger review or
    urgent) is owned by the agency that can act on its kind (danger.owner) and is always
    routed; the rest are routed when confidence >= ROUTING_THRESHOLD. Spans in `pii`
    index `text`.
    """

    text: str
    agency: str
    agencies_top3: tuple[str, str, str]
    topic: str
    sentiment: str
    sentiment_score: float
    danger: str  # "none", "review" (a person looks today) or "urgent" (a person acts now)
    urgent: bool  # danger == "urgent"
    urgent_reasons: tuple[str, ...]  # the kinds of danger (danger.REASONS), for review too
    confidence: float
    routed: bool
    keywords: tuple[str, ...]
    pii: tuple[PiiSpan, ...]
    redacted_text: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tuples become lists, spans become objects)."""
        return {
            "text": self.text,
            "agency": self.agency,
            "agencies_top3": list(self.agencies_top3),
            "topic": self.topic,
            "sentiment": self.sentiment,
            "sentiment_score": round(self.sentiment_score, 4),
            "danger": self.danger,
            "urgent": self.urgent,
            "urgent_reasons": list(self.urgent_reasons),
            "confidence": round(self.confidence, 4),
            "routed": self.routed,
            "keywords": list(self.keywords),
            "pii": [span.to_dict() for span in self.pii],
            "redacted_text": self.redacted_text,
        }


def analyse(text: str | None) -> Analysis:
    """Analyse one text: normalise, find personal data, danger, agency, sentiment, topic."""
    return analyse_with(model.get(), text)


def analyse_with(models: model.Models, text: str | None) -> Analysis:
    """analyse() with given models (cross-validation trains its own)."""
    clean = normalise.normalise(text if isinstance(text, str) else "")
    spans = find_pii(clean)
    redacted = redact(clean, spans) if spans else clean

    feats = model.featurise(redacted)
    if not _HAS_TEXT.search(redacted):
        return _empty(clean, spans, redacted, _sentiment(models, feats.sentiment, False))

    # Danger first, clause by clause: a person must look whatever the rest says.
    verdict = danger.assess(danger.scan(redacted), models.danger_scorer(redacted))
    in_danger = verdict.level != "none"

    ranked, known = models.rank_agency(feats.agency)
    if known:
        agency, confidence = ranked[0]
        top3 = tuple(code for code, _ in ranked[:3])
    else:  # nothing the model knows: the coordinator decides
        agency, confidence = FALLBACK_AGENCY, 0.0
        top3 = _fallback_top3()
    if in_danger:  # owned by the agency that can act on this kind of danger today
        place = agency
        start, end = verdict.span
        if danger.needs_place_owner(verdict) and end - start < len(redacted):
            # The place of a hazard is in the words that told it, not in a preamble.
            place = models.rank_agency(model.featurise(redacted[start:end]).agency)[0][0][0]
        agency = danger.owner(verdict, redacted, place)
        confidence = dict(ranked).get(agency, 0.0)
        top3 = (agency, *[c for c in top3 if c != agency][:2])
        if len(top3) < 3:
            top3 = (*top3, *[c for c, _ in ranked if c not in top3][: 3 - len(top3)])

    sentiment, sentiment_score = _sentiment(models, feats.sentiment, in_danger, redacted)
    return Analysis(
        text=clean,
        agency=agency,
        agencies_top3=top3,  # type: ignore[arg-type]
        topic=topic_for(agency, clean, in_danger),
        sentiment=sentiment,
        sentiment_score=sentiment_score,
        danger=verdict.level,
        urgent=verdict.urgent,
        urgent_reasons=verdict.reasons,
        confidence=confidence,
        # Danger goes straight to its owner (the web app tells the coordinator as well).
        routed=in_danger or confidence >= ROUTING_THRESHOLD,
        keywords=_keywords(models, clean, redacted, agency, verdict.hits),
        pii=spans,
        redacted_text=redacted,
    )


def _sentiment(
    models: model.Models, feats: list[str], in_danger: bool, redacted: str = ""
) -> tuple[str, float]:
    if in_danger:  # a child in danger is a problem, whatever the wording
        return "negative", 1.0
    ranked, known = models.sentiment.rank_known(feats)
    if not known:
        return "neutral", 1.0
    if ranked[0][0] == "neutral" and (wish := WISH.search(redacted)) and wish.start() > 0:
        # 公交车太挤了，能不能多开几班: the problem before the wish is what must be answered.
        problem = models.sentiment.rank(model.featurise(redacted[: wish.start()]).sentiment)
        if problem and problem[0][0] == "negative" and problem[0][1] >= PROBLEM_FIRST:
            return problem[0]
    return ranked[0]


def _fallback_top3() -> tuple[str, str, str]:
    others = [c for c in AGENCY_CODES if c != FALLBACK_AGENCY]
    return (FALLBACK_AGENCY, others[0], others[1])


def _empty(
    clean: str, spans: tuple[PiiSpan, ...], redacted: str, sentiment: tuple[str, float]
) -> Analysis:
    """No words to read (empty, punctuation, emoji): the coordinator decides."""
    return Analysis(
        text=clean, agency=FALLBACK_AGENCY, agencies_top3=_fallback_top3(),
        topic=topic_for(FALLBACK_AGENCY, clean, False), sentiment=sentiment[0],
        sentiment_score=sentiment[1], danger="none",
        urgent=False, urgent_reasons=(), confidence=0.0, routed=False, keywords=(),
        pii=spans, redacted_text=redacted,
    )


def _keywords(
    models: model.Models,
    clean: str,
    redacted: str,
    agency: str,
    hits: Sequence[danger.DangerHit],
) -> tuple[str, ...]:
    """Up to five words of the text that speak most for its agency (danger words first)."""
    chosen: dict[str, None] = {}
    for h in sorted(hits, key=lambda h: h.start):
        if h.end - h.start <= 10 and h.cue in clean:  # never a word around a masked span
            chosen.setdefault(h.cue, None)
    scored = []
    for start, end, gram in features.spans(redacted, (2, 3, 4)):
        if gram not in models.words:
            continue
        score = models.keyness(gram, agency)
        if score > 0.5:
            scored.append((score + 0.3 * (end - start), start, end, gram))
    scored.sort(key=lambda x: (-x[0], x[1]))
    taken: list[tuple[int, int]] = []
    for _score, start, end, gram in scored:
        if len(chosen) >= MAX_KEYWORDS:
            break
        if any(gram in w for w in chosen):
            continue
        if all(end <= s or start >= e for s, e in taken):
            taken.append((start, end))
            chosen[gram] = None
    return tuple(chosen)[:MAX_KEYWORDS]


def warm_up() -> None:
    """Load the conversion table and the models now (call before forking workers)."""
    normalise.warm_up()
    model.get()
