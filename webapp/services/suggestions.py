"""Suggestions: create (web, API and bot alike), look up by code, rate.

Services take plain data and the actor, raise DomainError, flush and never
commit: the caller owns the unit of work.
"""

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

import moderation
from webapp.extensions import db
from webapp.models import (
    AGE_BANDS,
    Agency,
    AlertKind,
    Area,
    Channel,
    Contact,
    Danger,
    Kind,
    Photo,
    Rating,
    Status,
    Subscription,
    Suggestion,
    Tablet,
    Visibility,
    utcnow,
)
from webapp.services import (
    alerts,
    casework,
    clusters,
    codes,
    errors,
    events,
    ratelimit,
    safeguarding,
)
from webapp.services.photos import clean_photo

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 2000
MAX_PLACE_LENGTH = 200
MAX_COMMENT_LENGTH = 500
MAX_ANALYSIS_ATTEMPTS = 5
COORDINATOR = "coord"
LOOKUP_BUCKET = "code_lookup_failure"


@dataclass(frozen=True)
class Created:
    suggestion: Suggestion
    code: str  # shown once to the child; only its hash is stored


def create_suggestion(
    *,
    text: str,
    kind: str,
    channel: str,
    actor: str = "child",
    age_band: str | None = None,
    area_code: str | None = None,
    place: str | None = None,
    photos: list[bytes] = (),
    contact: Contact | None = None,
    public: bool = False,
    family_may_read: bool = False,
    tablet: Tablet | None = None,
) -> Created:
    """Check the input, store the suggestion, then analyse and route it.

    A guardian's `contact` is linked and subscribed, so later changes reach the chat.
    `public` is the child's choice to let other children see it and say "me too": only a
    plain yes counts, and nothing is shown before a moderator approves it (never urgent
    items or ones with personal data, whatever the choice). `family_may_read` lets the
    chats that follow the code read the words. A registered `tablet` gives its area and
    place unless the child chose an area.
    """
    text = (text or "").strip() if isinstance(text, str) else None
    if not text:
        raise errors.EmptyText()
    if len(text) > MAX_TEXT_LENGTH:
        raise errors.TextTooLong()
    if kind not in Kind.ALL:
        raise errors.UnknownKind()
    if channel not in Channel.ALL:
        raise ValueError(f"unknown channel {channel!r}")
    if age_band not in (None, "", *AGE_BANDS):
        raise errors.UnknownAgeBand()
    place = (place or "").strip() or None
    if place and len(place) > MAX_PLACE_LENGTH:
        raise errors.PlaceTooLong()
    area = None
    if area_code:
        area = db.session.scalar(select(Area).where(Area.code == area_code))
        if area is None:
            raise errors.UnknownArea()
    if tablet is not None and tablet.revoked_at is not None:
        tablet = None
    if tablet is not None and (area is None or area.id == tablet.area_id):
        # Where the tablet stands, unless the child said it is somewhere else.
        area, place = tablet.area, place or tablet.place
    cleaned = [clean_photo(raw) for raw in photos if raw]

    code, digest = _unused_code()
    suggestion = Suggestion(
        code_hash=digest,
        channel=channel,
        kind=kind,
        text=text,
        place=place,
        area=area,
        age_band=age_band or None,
        status=Status.RECEIVED,
        contact=contact,
        public=public is True,
        visibility=Visibility.PENDING if public is True else None,
        family_may_read=family_may_read is True,
        tablet=tablet,
    )
    suggestion.photos = [
        Photo(data=p.data, mime_type=p.mime_type, width=p.width, height=p.height) for p in cleaned
    ]
    db.session.add(suggestion)
    events.record(suggestion, "received", actor, to_status=Status.RECEIVED)
    db.session.flush()
    analyse_and_route(suggestion)
    if contact is not None:
        db.session.add(Subscription(suggestion=suggestion, contact=contact))
        db.session.flush()
    return Created(suggestion, code)


def _unused_code() -> tuple[str, str]:
    while True:
        code = codes.new_code()
        digest = codes.code_hash(code)
        if not db.session.scalar(select(Suggestion.id).where(Suggestion.code_hash == digest)):
            return code, digest


def analyse_and_route(suggestion: Suggestion) -> bool:
    """Analyse and route a stored suggestion; on failure it stays received for a retry."""
    suggestion.analysis_attempts += 1
    try:
        with db.session.begin_nested():
            _apply_analysis(suggestion, moderation.analyse(suggestion.text))
    except Exception as exc:  # the suggestion is kept whatever the analysis does
        log.warning("analysis failed for suggestion %s: %s", suggestion.id, type(exc).__name__)
        return False
    clusters.cluster_new(suggestion)  # "N children said the same": answered together
    return True


def _apply_analysis(suggestion: Suggestion, analysis: moderation.Analysis) -> None:
    suggestion.analysed_at = utcnow()
    suggestion.redacted_text = analysis.redacted_text
    suggestion.has_pii = bool(analysis.pii)
    if suggestion.place:
        suggestion.place = moderation.analyse(suggestion.place).redacted_text
    suggestion.topic = analysis.topic
    suggestion.sentiment = analysis.sentiment
    suggestion.sentiment_score = analysis.sentiment_score
    level = safeguarding.danger_of(analysis)
    suggestion.danger = level
    suggestion.urgent = level == Danger.URGENT
    suggestion.urgent_reasons = list(analysis.urgent_reasons)
    suggestion.confidence = analysis.confidence
    suggestion.suggested_agencies = list(analysis.agencies_top3)
    suggestion.keywords = list(analysis.keywords)

    # Urgent items go straight to the agency that acts on that danger (the analysis names
    # it); unsure ones to the coordinator. A review item keeps its normal routing.
    confident = analysis.routed or suggestion.urgent
    owner = analysis.agency if confident else COORDINATOR
    casework.place_in_queue(suggestion, _agency(owner))
    events.record(
        suggestion,
        "routed",
        events.SYSTEM,
        to_status=Status.ROUTED,
        detail={
            "agency": owner,
            "triage": not confident,
            "urgent": suggestion.urgent,
            "danger": level,
            "confidence": round(analysis.confidence, 3),
        },
    )
    if level in Danger.RAISED:
        # A person must look: urgent now (owner and coordinator), review today (coordinator).
        alerts.raise_alert(suggestion, AlertKind.URGENT if suggestion.urgent else AlertKind.REVIEW)
    db.session.flush()


def _agency(code: str) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:  # a directory without this code: the coordinator owns it
        agency = db.session.scalar(select(Agency).where(Agency.code == COORDINATOR))
    if agency is None:
        raise LookupError("the agency directory is not loaded")
    return agency


def analyse_pending(limit: int = 100) -> int:
    """Retry the analysis of suggestions still waiting for it; returns how many succeeded."""
    pending = db.session.scalars(
        select(Suggestion)
        .where(
            Suggestion.status == Status.RECEIVED,
            Suggestion.analysis_attempts < MAX_ANALYSIS_ATTEMPTS,
        )
        .order_by(Suggestion.id)
        .limit(limit)
    ).all()
    return sum(analyse_and_route(s) for s in pending)


def get_by_code(code: str, client: str) -> Suggestion:
    """The suggestion behind a tracking code; failed tries are limited per client."""
    config = current_app.config
    window = config["LOOKUP_WINDOW_SECONDS"]
    if ratelimit.count(LOOKUP_BUCKET, client, window) >= config["LOOKUP_FAILURES_PER_WINDOW"]:
        raise errors.TooManyTries()
    suggestion = None
    if codes.looks_like_code(code):
        suggestion = db.session.scalar(
            select(Suggestion).where(Suggestion.code_hash == codes.code_hash(code))
        )
    if suggestion is None:
        ratelimit.hit(LOOKUP_BUCKET, client, window)
        raise errors.NotFound()
    return suggestion


def rate(code: str, client: str, rating: str, comment: str | None = None) -> Suggestion:
    """The child's rating of an answer, found by tracking code."""
    return apply_rating(get_by_code(code, client), rating, comment, actor="child")


def _check_rating(rating: str, comment: str | None) -> None:
    if rating not in Rating.ALL:
        raise errors.UnknownRating()
    if comment and len(comment.strip()) > MAX_COMMENT_LENGTH:
        raise errors.CommentTooLong()


def apply_rating(
    suggestion: Suggestion, rating: str, comment: str | None, actor: str
) -> Suggestion:
    """Rate an answered suggestion; 不满意 reopens it once, anything else closes it.

    The comment goes through the same analysis as a suggestion: it is stored redacted, and
    danger in it alerts a person (urgent danger makes the item urgent).
    """
    _check_rating(rating, comment)
    comment = (comment or "").strip() or None
    if suggestion.status != Status.ANSWERED:
        raise errors.RatingNotOpen()
    analysis = moderation.analyse(comment) if comment else None
    suggestion.rating = rating
    suggestion.rating_comment = analysis.redacted_text if analysis else None
    reopen = rating == Rating.UNSATISFIED and suggestion.reopen_count < 1
    if reopen:
        suggestion.reopen_count += 1
        casework.reopen_after_rating(suggestion)
    events.record(
        suggestion,
        "rated",
        actor,
        to_status=Status.REOPENED if reopen else Status.CLOSED,
        detail={"rating": rating},
    )
    if analysis is not None:
        casework.raise_danger(
            suggestion,
            safeguarding.danger_of(analysis),
            analysis.urgent_reasons,
            actor=actor,
            source="rating_comment",
            agency_code=analysis.agency,
        )
    db.session.flush()
    return suggestion
