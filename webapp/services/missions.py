"""Observer group missions (儿童观察团, "1米高度看城市"): children look at a place with a
short checklist; the report gathers what they saw and goes to one agency as one item.
"""

import logging
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

import moderation
from webapp.extensions import db
from webapp.models import (
    Channel,
    Danger,
    Kind,
    Mission,
    Observation,
    Photo,
    StaffUser,
    Status,
    Suggestion,
    Visibility,
)
from webapp.services import casework, errors, events, ratelimit, safeguarding, suggestions, support
from webapp.services import participation_errors as perrors
from webapp.services.councils import today
from webapp.services.photos import clean_photo

log = logging.getLogger(__name__)

MAX_TITLE_LENGTH = 40
MAX_ITEMS = 10
MAX_ITEM_LENGTH = 30
MAX_OBSERVATION_LENGTH = 1000
MAX_NICKNAME_LENGTH = 12
MAX_PLACE_LENGTH = 200
OBSERVATION_BUCKET = "observation"
OBSERVATIONS_PER_HOUR = 30  # per client: a group sharing a tablet, not a script
REPORT_QUOTES = 8  # children's own words quoted in the report sent to the agency


# --- access ------------------------------------------------------------------------

# The coordinator-only check of the casework console, not a copy of it.


def can_see_report(user: StaffUser, mission: Mission) -> bool:
    """The coordinator always; the receiving agency once the report has been sent to it."""
    if user.sees_all_agencies:
        return True
    return (
        mission.report_suggestion_id is not None
        and user.agency_id is not None
        and mission.agency_id == user.agency_id
    )


def get_mission(user: StaffUser, mission_id: int) -> Mission:
    """A mission whose report the user may see; any other id is not found."""
    mission = db.session.get(Mission, mission_id)
    if mission is None or not can_see_report(user, mission):
        raise perrors.MissionNotFound()
    return mission


def missions_for(user: StaffUser) -> list[Mission]:
    """Every mission for the coordinator; the reports sent to an agency for its staff."""
    query = select(Mission).order_by(Mission.starts_on.desc(), Mission.id.desc())
    if not user.sees_all_agencies:
        if user.agency_id is None:
            return []
        query = query.where(
            Mission.agency_id == user.agency_id, Mission.report_suggestion_id.is_not(None)
        )
    return list(db.session.scalars(query))


# --- missions --------------------------------------------------------------------------


def create_mission(
    user: StaffUser,
    *,
    title: str,
    checklist: list[str],
    area_code: str,
    starts_on: date | None,
    ends_on: date | None,
    agency_code: str,
) -> Mission:
    """The coordinator sets a mission: what to look for, where, when, and who gets the report."""
    casework.require_coordinator(user)
    title = (title or "").strip()
    items = [item.strip() for item in checklist or [] if item and item.strip()]
    if (
        not title
        or len(title) > MAX_TITLE_LENGTH
        or not 1 <= len(items) <= MAX_ITEMS
        or any(len(item) > MAX_ITEM_LENGTH for item in items)
        or not isinstance(starts_on, date)
        or not isinstance(ends_on, date)
        or ends_on < starts_on
    ):
        raise perrors.MissionInputInvalid()
    area = support.area_by_code(area_code)
    agency = casework.agency_by_code(agency_code)
    mission = Mission(
        title=title,
        checklist=items,
        area=area,
        starts_on=starts_on,
        ends_on=ends_on,
        agency=agency,
        created_by_id=user.id,
    )
    db.session.add(mission)
    db.session.flush()
    return mission


def is_open(mission: Mission, on: date | None = None) -> bool:
    """Observers may report today: within the dates and not yet sent."""
    on = on or today()
    return mission.starts_on <= on <= mission.ends_on and mission.report_suggestion_id is None


def open_missions(on: date | None = None) -> list[Mission]:
    """Missions children can take part in today."""
    on = on or today()
    return list(
        db.session.scalars(
            select(Mission)
            .where(
                Mission.starts_on <= on,
                Mission.ends_on >= on,
                Mission.report_suggestion_id.is_(None),
            )
            .order_by(Mission.ends_on, Mission.id)
        )
    )


def public_mission(mission_id: int) -> Mission:
    """A mission children may see (from its first day on)."""
    mission = db.session.get(Mission, mission_id)
    if mission is None or mission.starts_on > today():
        raise perrors.MissionNotFound()
    return mission


def observe(
    mission_id: int,
    *,
    client: str,
    ticks: list[int] | list[str] = (),
    text: str | None = None,
    place: str | None = None,
    nickname: str | None = None,
    photo: bytes | None = None,
) -> Observation:
    """An observer's report on a mission: ticks of the checklist, words, a photo, a place."""
    mission = public_mission(mission_id)
    if not is_open(mission):
        raise perrors.MissionClosed()
    try:
        chosen = sorted({int(t) for t in ticks or ()})
    except (TypeError, ValueError):
        raise perrors.ObservationEmpty() from None
    chosen = [t for t in chosen if 0 <= t < len(mission.checklist)]
    text = (text or "").strip() or None
    if not chosen and not text and not photo:
        raise perrors.ObservationEmpty()
    if text and len(text) > MAX_OBSERVATION_LENGTH:
        raise perrors.ObservationTooLong()
    place = (place or "").strip() or None
    if place and len(place) > MAX_PLACE_LENGTH:
        raise errors.PlaceTooLong()
    nickname = (nickname or "").strip() or None
    if nickname and len(nickname) > MAX_NICKNAME_LENGTH:
        raise perrors.NicknameInvalid()
    if ratelimit.count(OBSERVATION_BUCKET, client, 3600) >= OBSERVATIONS_PER_HOUR:
        raise errors.TooManyTries()
    cleaned = clean_photo(photo) if photo else None
    # Counted before this request writes anything: the counter has its own transaction.
    ratelimit.hit(OBSERVATION_BUCKET, client, 3600)
    observation = Observation(
        mission=mission, ticks=chosen, text=text, place=place, nickname=nickname
    )
    analysed = _analyse(observation)
    if cleaned:
        observation.photos = [
            Photo(
                data=cleaned.data,
                mime_type=cleaned.mime_type,
                width=cleaned.width,
                height=cleaned.height,
            )
        ]
    db.session.add(observation)
    db.session.flush()
    if analysed and observation.danger in Danger.RAISED:
        _take_aside(observation, photo)
    return observation


def _analyse(observation: Observation) -> bool:
    """The same analysis as a suggestion: personal data out of what others read, and danger."""
    try:
        if observation.text:
            analysis = moderation.analyse(observation.text)
            observation.redacted_text = analysis.redacted_text
            observation.danger = safeguarding.danger_of(analysis)
        if observation.place:
            observation.place = moderation.analyse(observation.place).redacted_text
        if observation.nickname and moderation.analyse(observation.nickname).pii:
            observation.nickname = None
    except Exception as exc:  # kept, but shown to nobody until a person looks
        log.warning("observation analysis failed: %s", type(exc).__name__)
        observation.hidden = True
        return False
    return True


def _take_aside(observation: Observation, photo: bytes | None) -> Suggestion:
    """A disclosure in an observation becomes an item of its own, routed and alerted like any
    other; it never reaches the report, the agency of the mission or a public page."""
    mission = observation.mission
    created = suggestions.create_suggestion(
        text=observation.text,
        kind=Kind.PROBLEM,
        channel=Channel.OBSERVER,
        actor="child",
        area_code=mission.area.code,
        place=observation.place,
        photos=[photo] if photo else [],
        public=False,
        family_may_read=False,
    )
    item = created.suggestion
    observation.danger_suggestion_id = item.id
    events.record(
        item,
        "from_observation",
        "child",
        detail={"mission": mission.id, "observation": observation.id, "danger": observation.danger},
    )
    db.session.flush()
    log.info(
        "observation %s on mission %s taken aside as item %s", observation.id, mission.id, item.id
    )
    return item


def danger_item(observation: Observation) -> Suggestion | None:
    """The item an observation that told of danger became, if it did."""
    if observation.danger_suggestion_id is None:
        return None
    return db.session.get(Suggestion, observation.danger_suggestion_id)


def is_public_observation(observation: Observation) -> bool:
    """Its words and photo may be shown to other people: in a sent report, approved by a
    person, not hidden, no danger."""
    return (
        not observation.hidden
        and observation.danger == Danger.NONE
        and observation.visibility == Visibility.APPROVED
        and observation.mission.report_suggestion_id is not None
    )


def hide_observation(user: StaffUser, observation_id: int, hidden: bool = True) -> Observation:
    """The coordinator keeps an observation out of the report (a face, words not for others)."""
    casework.require_coordinator(user)
    observation = db.session.get(Observation, observation_id)
    if observation is None:
        raise perrors.MissionNotFound()
    observation.hidden = hidden
    db.session.flush()
    return observation


# --- the report --------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    mission: Mission
    observations: int  # counted in the report
    hidden: int
    counts: list[tuple[str, int]]  # checklist item, how many observers ticked it
    shown: list[Observation]  # observations whose words and photos are shown, oldest first
    photos: list[Photo]
    answer: object | None  # the agency's Reply, once there is one
    status: str | None  # the report item's status, once sent


def report(mission: Mission, public: bool = False) -> Report:
    """What the observers saw, counted per checklist item, with their words and photos.

    Ticks of every observation not hidden count. Words and photos: for staff, all but those
    that told of danger (those are items of their own); for children, only what a person
    approved in a sent report.
    """
    counted = [o for o in mission.observations if not o.hidden]
    if public:
        shown = [o for o in counted if is_public_observation(o)]
    else:
        shown = [o for o in counted if o.danger == Danger.NONE]
    counts = [0] * len(mission.checklist)
    for observation in counted:
        for tick in observation.ticks or ():
            if 0 <= tick < len(counts):
                counts[tick] += 1
    item = mission.report_suggestion
    return Report(
        mission=mission,
        observations=len(counted),
        hidden=len(mission.observations) - len(counted),
        counts=list(zip(mission.checklist, counts, strict=True)),
        shown=shown,
        photos=[p for o in shown for p in o.photos],
        answer=item.answer if item else None,
        status=item.status if item else None,
    )


def staff_report(user: StaffUser, mission_id: int) -> Report:
    """The report page of the console."""
    return report(get_mission(user, mission_id))


def public_report(mission_id: int) -> Report:
    """The children's report page: counts always; words and photos a person approved once
    the coordinator has sent the report."""
    return report(public_mission(mission_id), public=True)


def public_photo(photo_id: int) -> Photo:
    """An observation's photo children may see: in a sent report, approved, not hidden."""
    photo = db.session.get(Photo, photo_id)
    observation = photo.observation if photo else None
    if observation is None or not is_public_observation(observation):
        raise perrors.MissionNotFound()
    return photo


def staff_photo(user: StaffUser, photo_id: int) -> Photo:
    """An observation's photo, for whoever may see the mission's report."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.observation is None:
        raise perrors.MissionNotFound()
    get_mission(user, photo.observation.mission_id)
    return photo


def report_text(result: Report) -> str:
    """The report as the text of one suggestion (up to 2000 characters)."""
    mission = result.mission
    lines = [
        _("Children's observer group report: %(title)s", title=mission.title),
        _(
            "%(area)s, %(start)s to %(end)s, %(n)s observations.",
            area=mission.area.name,
            start=mission.starts_on.isoformat(),
            end=mission.ends_on.isoformat(),
            n=result.observations,
        ),
    ]
    lines += [_("- %(item)s: %(n)s", item=item, n=n) for item, n in result.counts]
    quotes = [o.redacted_text for o in result.shown if o.redacted_text][:REPORT_QUOTES]
    if quotes:
        lines.append(_("In the observers' words:"))
        lines += [f"「{q[:120]}」" for q in quotes]
    lines.append(_("Photos and every observation are on the mission report page."))
    text = "\n".join(lines)
    return text[: suggestions.MAX_TEXT_LENGTH]


def send_report(user: StaffUser, mission_id: int) -> Suggestion:
    """The coordinator sends the report to the mission's agency as one item to answer."""
    casework.require_coordinator(user)
    mission = get_mission(user, mission_id)
    if mission.report_suggestion_id is not None:
        raise perrors.ReportAlreadySent()
    result = report(mission)
    if result.observations == 0:
        raise perrors.ReportEmpty()
    created = suggestions.create_suggestion(
        text=report_text(result),
        kind=Kind.PROBLEM,
        channel=Channel.OBSERVER,
        actor=f"mission:{mission.id}",
        area_code=mission.area.code,
    )
    item = created.suggestion  # its tracking code is not needed: the report page shows the answer
    mission.report_suggestion = item
    # The mission named who answers; analysis does not get to choose.
    if item.status == Status.ROUTED and item.agency_id != mission.agency_id:
        casework.transfer(user, item, mission.agency.code, _("The agency the mission named"))
    db.session.flush()
    log.info("mission %s report sent as suggestion %s", mission.id, item.id)
    return item
