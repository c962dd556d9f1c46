"""Observer group missions: from creation to observations to the report to the agency's answer."""

from datetime import timedelta

import pytest
from helpers import PASSWORD
from PIL import Image
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Channel, Photo, Status
from webapp.services import casework, errors, missions, moderation_queue, staff, work_queue
from webapp.services import participation_errors as perrors
from webapp.services.councils import today

CHECKLIST = ["滑梯可以安全地玩", "有乘凉的地方", "有干净的厕所"]


@pytest.fixture
def coord(ctx):
    return staff.create_staff("c@coord.example", PASSWORD, "coord", "coordinator")


@pytest.fixture
def mission(coord):
    m = missions.create_mission(
        coord,
        title="公园体检",
        checklist=CHECKLIST,
        area_code="xinghe.chengguan",
        starts_on=today() - timedelta(days=1),
        ends_on=today() + timedelta(days=6),
        agency_code="urban",
    )
    db.session.commit()  # observations count against a rate limit in their own transaction
    return m


def observe(mission, **fields):
    """One observation, committed like the request that sends it."""
    observation = missions.observe(mission.id, client="tablet", **fields)
    db.session.commit()
    return observation


def test_mission_from_creation_to_report_to_answer(coord, mission, image_bytes):
    assert mission.checklist == CHECKLIST and mission.agency.code == "urban"
    assert missions.open_missions() == [mission]

    observe(
        mission, ticks=[0, 1], text="滑梯很好玩，树荫下有椅子", place="东门", nickname="小观察员"
    )
    observe(mission, ticks=["1", "2", 7], photo=image_bytes("PNG", size=(80, 60)))
    observe(mission, ticks=[], text="厕所没有洗手液，我的电话是13812345678")
    result = missions.report(mission)
    assert result.observations == 3
    assert result.counts == [("滑梯可以安全地玩", 1), ("有乘凉的地方", 2), ("有干净的厕所", 1)]
    assert (
        len(result.photos) == 1
        and result.photos[0].observation_id
        and result.photos[0].suggestion_id is None
    )
    assert all("13812345678" not in (o.redacted_text or "") for o in result.shown)
    assert result.answer is None and result.status is None

    item = missions.send_report(coord, mission.id)
    assert mission.report_suggestion is item and not missions.is_open(mission)
    assert (
        item.channel == Channel.OBSERVER and item.agency.code == "urban"
    )  # the agency the mission named
    assert item.status in (Status.ROUTED, Status.TRANSFERRED) and item.is_open
    assert (
        "公园体检" in item.text and "有乘凉的地方" in item.text and "13812345678" not in item.text
    )
    assert item.events[0].actor == f"mission:{mission.id}"
    urban = staff.create_staff("a@urban.example", PASSWORD, "urban", "staff")
    assert item in work_queue.queue(urban, work_queue.QueueFilter()).items
    assert (
        missions.staff_report(urban, mission.id).observations == 3
    )  # the agency sees the whole report

    casework.answer(
        urban, item, decision="partly", why="洗手液马上补", next_steps="夏天前加装遮阳棚"
    )
    answered = missions.public_report(mission.id)
    assert answered.status == Status.ANSWERED and answered.answer.next_steps == "夏天前加装遮阳棚"
    with pytest.raises(perrors.MissionClosed):
        observe(mission, ticks=[0])
    with pytest.raises(perrors.ReportAlreadySent):
        missions.send_report(coord, mission.id)


def test_photos_are_cleaned_and_shown_to_children_only_once_sent_and_not_hidden(
    coord, mission, image_bytes
):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    o = observe(mission, ticks=[0], photo=image_bytes("JPEG", exif=exif.tobytes()))
    photo = o.photos[0]
    assert b"PhoneMaker" not in photo.data
    with pytest.raises(perrors.MissionNotFound):
        missions.public_photo(photo.id)
    hidden = observe(mission, ticks=[1], photo=image_bytes("PNG"))
    missions.hide_observation(coord, hidden.id)
    missions.send_report(coord, mission.id)
    with pytest.raises(perrors.MissionNotFound):  # sent, but no person has approved it yet
        missions.public_photo(photo.id)
    moderation_queue.approve(coord, "observation", o.id)
    assert missions.public_photo(photo.id) is photo
    with pytest.raises(perrors.MissionNotFound):
        missions.public_photo(hidden.photos[0].id)
    assert missions.report(mission).counts[1] == ("有乘凉的地方", 0)  # hidden ones do not count


def test_a_photo_belongs_to_a_suggestion_or_an_observation(coord, mission):
    from sqlalchemy.exc import IntegrityError

    db.session.add(Photo(mime_type="image/jpeg", width=1, height=1, data=b"x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, perrors.ObservationEmpty),
        ({"ticks": ["x"]}, perrors.ObservationEmpty),
        ({"text": "字" * 1001}, perrors.ObservationTooLong),
        ({"ticks": [0], "place": "地" * 201}, errors.PlaceTooLong),
        ({"ticks": [0], "photo": b"not a picture"}, errors.PhotoRejected),
    ],
)
def test_observation_refusals(mission, fields, error):
    with pytest.raises(error):
        observe(mission, **fields)


def test_missions_open_only_on_their_days(coord):
    later = missions.create_mission(
        coord,
        title="图书馆体验",
        checklist=["座位够不够"],
        area_code="xinghe",
        starts_on=today() + timedelta(days=3),
        ends_on=today() + timedelta(days=5),
        agency_code="culture",
    )
    db.session.commit()
    assert missions.open_missions() == []
    with pytest.raises(perrors.MissionNotFound):  # children do not see it before its first day
        missions.observe(later.id, client="tablet", ticks=[0])


@pytest.mark.parametrize(
    "fields",
    [
        {"title": ""},
        {"checklist": []},
        {"checklist": ["项" * 31]},
        {"checklist": [str(i) for i in range(11)]},
        {"ends_on": today() - timedelta(days=9)},
    ],
)
def test_mission_refusals(coord, fields):
    values = {
        "title": "公园体检",
        "checklist": CHECKLIST,
        "area_code": "xinghe",
        "starts_on": today(),
        "ends_on": today() + timedelta(days=1),
        "agency_code": "urban",
        **fields,
    }
    with pytest.raises(perrors.MissionInputInvalid):
        missions.create_mission(coord, **values)


def test_only_the_coordinator_sets_and_sends_missions(coord, mission):
    urban = staff.create_staff("a@urban.example", PASSWORD, "urban", "staff")
    with pytest.raises(errors.NotAllowed):
        missions.create_mission(
            urban,
            title="x",
            checklist=["y"],
            area_code="xinghe",
            starts_on=today(),
            ends_on=today(),
            agency_code="urban",
        )
    with pytest.raises(perrors.MissionNotFound):  # not sent to them yet
        missions.staff_report(urban, mission.id)
    assert missions.missions_for(urban) == []
    with pytest.raises(perrors.ReportEmpty):
        missions.send_report(coord, mission.id)


def test_too_many_observations_from_one_tablet(mission, monkeypatch):
    monkeypatch.setattr(missions, "OBSERVATIONS_PER_HOUR", 1)
    observe(mission, ticks=[0])
    with pytest.raises(errors.TooManyTries):
        observe(mission, ticks=[1])
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0


def test_report_text_fits_one_suggestion(coord, mission, monkeypatch):
    monkeypatch.setattr(missions, "OBSERVATIONS_PER_HOUR", 100)
    for i in range(40):
        observe(mission, ticks=[0], text="这里的滑梯有点旧了，" * 20 + str(i))
    text = missions.report_text(missions.report(mission))
    assert len(text) <= 2000 and text.startswith("儿童观察团报告：公园体检")
