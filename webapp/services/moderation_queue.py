"""Nothing a child writes is public until a person approves it.

The moderation queue of the console lists the cards waiting for a person: suggestions a
child chose to share (council proposals among them: their page shows the suggestion's
words) and observations in a sent mission report. A moderator (the coordinator or an
admin) approves, edits the redaction, or hides with a reason, within one working day.

Children tell an adult when a public card is not right (告诉大人：这条不对劲): one report
per device, keyed like "me too"; a card reported from PUBLIC_REPORTS_TO_HIDE devices is
taken down until a moderator looks at it again, at the top of the queue.

Events need a suggestion: an observation's are written on its mission's report item,
which exists because only observations in a sent report can be public.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import (
    Channel,
    Danger,
    Mission,
    Observation,
    Photo,
    PublicReport,
    StaffUser,
    Status,
    Suggestion,
    Visibility,
    utcnow,
)
from webapp.services import casework, events, missions, ratelimit, support
from webapp.services.errors import DomainError
from webapp.services.workdays import add_working_days

log = logging.getLogger(__name__)

SUGGESTION = "suggestion"
OBSERVATION = "observation"
KINDS = (SUGGESTION, OBSERVATION)
LIMIT_WORKING_DAYS = 1
MAX_PUBLIC_TEXT_LENGTH = 2000
QUEUE_LIMIT = 200
REPORT_BUCKET = "public_report"
REPORTS_PER_HOUR = 20  # per client: a class telling about a few cards, not a script


class CardNotFound(DomainError):
    code = "not_found"
    http_status = 404
    message = _l("This card is not shown here any more.")


class NeverPublic(DomainError):
    code = "never_public"
    http_status = 409
    message = _l(
        "This cannot be shown publicly: the child did not share it, or it tells of danger."
    )


class PublicTextInvalid(DomainError):
    code = "public_text_invalid"
    message = _l("Please write the text to show, up to 2000 characters.")


class TooManyReports(DomainError):
    code = "too_many_reports"
    http_status = 429
    message = _l("Thank you! You told us about many cards. Please ask a grown-up to help.")


# --- the cards --------------------------------------------------------------------


def _suggestion_may_be_public(s: Suggestion) -> bool:
    """Shared by the child, analysed, no danger: a person may approve it."""
    return (
        s.public is True
        and s.analysed_at is not None
        and s.redacted_text is not None
        and not s.urgent
        and s.danger == Danger.NONE
        and s.channel != Channel.OBSERVER
        and s.status != Status.REJECTED
    )


def _observation_may_be_public(o: Observation) -> bool:
    """In a sent report, not hidden, no danger: a person may approve it."""
    return not o.hidden and o.danger == Danger.NONE and o.mission.report_suggestion_id is not None


def _load(kind: str, card_id) -> Suggestion | Observation:
    model = {SUGGESTION: Suggestion, OBSERVATION: Observation}.get(kind)
    try:
        card_id = int(card_id)
    except (TypeError, ValueError):
        card_id = 0
    card = db.session.get(model, card_id) if model and card_id > 0 else None
    if card is None:
        raise CardNotFound()
    return card


def _event_target(card: Suggestion | Observation) -> Suggestion:
    """The suggestion whose history records what was done to this card."""
    if isinstance(card, Suggestion):
        return card
    return card.mission.report_suggestion


def _record(card, action: str, actor: str, detail: dict) -> None:
    if isinstance(card, Observation):
        detail = {"observation": card.id, "mission": card.mission_id, **detail}
    events.record(_event_target(card), action, actor, detail=detail)


def _report_filter(card):
    if isinstance(card, Suggestion):
        return PublicReport.suggestion_id == card.id
    return PublicReport.observation_id == card.id


def reports_to_hide() -> int:
    return current_app.config["PUBLIC_REPORTS_TO_HIDE"]


# --- the queue ----------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    kind: str  # suggestion | observation
    item: Suggestion | Observation
    text: str | None  # what other people would read
    edited: bool  # a moderator changed the redaction before
    waiting_since: datetime
    due_at: datetime  # one working day after it started waiting
    reports: int  # children's "this is not right" since the last approval
    taken_down: bool  # hidden by children's reports, waiting for a person again
    photos: list[Photo]

    @property
    def id(self) -> int:
        return self.item.id

    def left(self, now: datetime | None = None) -> timedelta:
        """Time left before the limit (negative: overdue)."""
        return self.due_at - (now or utcnow())

    def minutes_left(self, now: datetime | None = None) -> int:
        return int(self.left(now).total_seconds() // 60)


def queue(user: StaffUser, limit: int = QUEUE_LIMIT) -> list[Card]:
    """Cards waiting for a moderator: ones children took down first, then the oldest first."""
    casework.require_coordinator(user)
    threshold = reports_to_hide()
    rows = db.session.scalars(
        select(Suggestion)
        .where(
            Suggestion.public.is_(True),
            Suggestion.visibility == Visibility.PENDING,
            Suggestion.analysed_at.is_not(None),
            Suggestion.redacted_text.is_not(None),
            Suggestion.urgent.is_(False),
            Suggestion.danger == Danger.NONE,
            Suggestion.channel != Channel.OBSERVER,
            Suggestion.status != Status.REJECTED,
        )
        .order_by(Suggestion.created_at, Suggestion.id)
        .limit(limit)
    ).all()
    observations = db.session.scalars(
        select(Observation)
        .join(Mission, Mission.id == Observation.mission_id)
        .where(
            Observation.visibility == Visibility.PENDING,
            Observation.hidden.is_(False),
            Observation.danger == Danger.NONE,
            Mission.report_suggestion_id.is_not(None),
            # Ticks alone show no child's words or picture: nothing to approve.
            or_(Observation.redacted_text.is_not(None), Observation.photos.any()),
        )
        .order_by(Observation.created_at, Observation.id)
        .limit(limit)
    ).all()
    s_reports = _report_stats(PublicReport.suggestion_id, [s.id for s in rows])
    o_reports = _report_stats(PublicReport.observation_id, [o.id for o in observations])

    cards = []
    for s in rows:
        count, last = s_reports.get(s.id, (0, None))
        cards.append(
            _card(
                SUGGESTION,
                s,
                s.public_text or s.redacted_text,
                bool(s.public_text),
                s.created_at,
                count,
                last,
                threshold,
                [],
            )
        )
    for o in observations:
        count, last = o_reports.get(o.id, (0, None))
        since = max(o.created_at, o.mission.report_suggestion.created_at)
        cards.append(
            _card(
                OBSERVATION,
                o,
                o.redacted_text,
                False,
                since,
                count,
                last,
                threshold,
                list(o.photos),
            )
        )
    cards.sort(key=lambda c: (not c.taken_down, c.waiting_since, c.kind, c.id))
    return cards[:limit]


def _report_stats(column, ids: list[int]) -> dict[int, tuple[int, datetime]]:
    if not ids:
        return {}
    return {
        row[0]: (row[1], row[2])
        for row in db.session.execute(
            select(column, func.count(), func.max(PublicReport.created_at))
            .where(column.in_(ids))
            .group_by(column)
        )
    }


def _card(kind, item, text, edited, since, reports, last_report, threshold, photos) -> Card:
    taken_down = reports >= threshold
    if taken_down and last_report is not None:
        since = last_report  # waiting again since the children took it down
    return Card(
        kind=kind,
        item=item,
        text=text,
        edited=edited,
        waiting_since=since,
        due_at=add_working_days(since, LIMIT_WORKING_DAYS),
        reports=reports,
        taken_down=taken_down,
        photos=photos,
    )


# --- a moderator's decisions -----------------------------------------------------------


def _check_may_be_public(card) -> None:
    may = (
        _suggestion_may_be_public(card)
        if isinstance(card, Suggestion)
        else _observation_may_be_public(card)
    )
    if not may:
        raise NeverPublic()


def _approve(user: StaffUser, card, action: str, detail: dict) -> None:
    cleared = db.session.execute(delete(PublicReport).where(_report_filter(card))).rowcount
    card.visibility = Visibility.APPROVED
    if isinstance(card, Suggestion):
        card.moderated_at = utcnow()
        card.moderated_by_id = user.id
    # Reports before this approval were looked at: later ones count afresh.
    _record(card, action, user.actor, {**detail, "reports_cleared": cleared or 0})
    db.session.flush()


def approve(user: StaffUser, kind: str, card_id: int) -> Suggestion | Observation:
    """A person read it: other people may now see it (with the redacted words)."""
    casework.require_coordinator(user)
    card = _load(kind, card_id)
    _check_may_be_public(card)
    _approve(user, card, "public_approved", {})
    return card


def edit(user: StaffUser, kind: str, card_id: int, text: str | None) -> Suggestion | Observation:
    """Approve with the moderator's own redaction: it becomes what other people read; the
    child's words and the automatic redaction stay for staff only."""
    casework.require_coordinator(user)
    card = _load(kind, card_id)
    _check_may_be_public(card)
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text or len(text) > MAX_PUBLIC_TEXT_LENGTH:
        raise PublicTextInvalid()
    if isinstance(card, Suggestion):
        card.public_text = None if text == card.redacted_text else text
    else:
        card.redacted_text = text  # the observer's own words stay in Observation.text
    _approve(user, card, "public_edited", {})
    return card


def hide(user: StaffUser, kind: str, card_id: int, reason: str | None) -> Suggestion | Observation:
    """Not for other people's eyes, with a reason (staff only)."""
    casework.require_coordinator(user)
    card = _load(kind, card_id)
    if isinstance(card, Observation) and card.mission.report_suggestion_id is None:
        raise NeverPublic()  # not public before the report is sent: nothing to hide yet
    reason = casework.clean_reason(reason)
    card.visibility = Visibility.HIDDEN
    if isinstance(card, Suggestion):
        card.moderated_at = utcnow()
        card.moderated_by_id = user.id
    _record(card, "public_hidden", user.actor, {"reason": reason})
    db.session.flush()
    return card


# --- children: "告诉大人：这条不对劲" -----------------------------------------------------


@dataclass(frozen=True)
class Reported:
    new: bool  # False: this device had told already
    taken_down: bool  # the card is off the public pages until a person looks


def is_public_card(card) -> bool:
    if isinstance(card, Suggestion):
        return support.is_public(card)
    return missions.is_public_observation(card)


def report_card(kind: str, card_id, device_token: str | None, client: str) -> Reported:
    """A child tells an adult that a public card is not right: once per device."""
    card = _load(kind, card_id)
    if not is_public_card(card) or not support.valid_device_token(device_token):
        raise CardNotFound()
    digest = support.device_hash(device_token)
    exists = db.session.scalar(
        select(PublicReport.id).where(_report_filter(card), PublicReport.device_hash == digest)
    )
    if exists is not None:
        return Reported(new=False, taken_down=False)
    if ratelimit.count(REPORT_BUCKET, client, 3600) >= REPORTS_PER_HOUR:
        raise TooManyReports()
    # Counted before this request writes anything: the counter has its own transaction.
    ratelimit.hit(REPORT_BUCKET, client, 3600)
    fields = (
        {"suggestion_id": card.id} if isinstance(card, Suggestion) else {"observation_id": card.id}
    )
    try:
        with db.session.begin_nested():
            db.session.add(PublicReport(device_hash=digest, **fields))
            db.session.flush()
    except IntegrityError:  # the same device, twice at once
        return Reported(new=False, taken_down=False)
    count = db.session.scalar(
        select(func.count()).select_from(PublicReport).where(_report_filter(card))
    )
    taken_down = count >= reports_to_hide()
    if taken_down:
        card.visibility = Visibility.PENDING
        _record(card, "public_taken_down", events.SYSTEM, {"reports": count})
        db.session.flush()
        log.info("a public %s card was taken down after %d reports", kind, count)
    return Reported(new=True, taken_down=taken_down)
