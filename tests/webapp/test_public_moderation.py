"""Nothing a child writes is public until a person approves it; danger is never public; the
child's side of danger after telling. Through the pages and the API, with the real analysis."""

import re
from datetime import timedelta

import pytest
from helpers import PASSWORD
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import (
    Channel,
    Event,
    Mission,
    Observation,
    Proposal,
    PublicReport,
    StaffUser,
    Suggestion,
)
from webapp.services import council_sessions, councils, missions, work_queue
from webapp.services.councils import today

CODE = re.compile(r'<p class="code" id="code">([^<]+)</p>')
AREA = "xinghe.chengguan.binjiang"
ORDINARY = "学校门口的路灯不亮了，晚上回家好黑"
DISCLOSURE = "爸爸每天晚上喝醉了就打我，我身上都是伤，我不敢回家"
SELF_HARM = "我不想活了"
HAZARD = "路边有一根电线掉在地上，还冒火花"


def login(client, email, password=PASSWORD):
    return client.post("/staff/login", data={"email": email, "password": password})


@pytest.fixture
def coordinator(app, make_staff):
    make_staff("coord", "coordinator")
    console = app.test_client()
    login(console, "coordinator.coord@city.example")
    return console


def say(client, text=ORDINARY, public="y", kind="problem", **fields):
    data = {"text": text, "age_band": "9-11", "area": AREA, "place": "", "public": public, **fields}
    return client.post(f"/say/{kind}", data=data, content_type="multipart/form-data")


def last_id(app, model=Suggestion) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(model.id)))


def area_page(client) -> str:
    return client.get("/area/xinghe.chengguan").get_data(as_text=True)


def urgent_queue(app) -> set[int]:
    """The coordinator's urgent view of the casework queue."""
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator"))
        page = work_queue.queue(user, work_queue.QueueFilter(view="urgent"))
        return {s.id for s in page.items}


def events(app, action) -> list[Event]:
    with app.app_context():
        return list(db.session.scalars(select(Event).where(Event.action == action)))


# --- "others may see this" is off unless the child says so ------------------------------------


def test_sharing_is_off_by_default_and_explained_in_child_words(client, app):
    form = client.get("/say/idea").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="public"[^>]*>', form).group(0)
    assert "checked" not in box
    assert "别的小朋友可以看到你写的话（不会有你的名字），大人看过以后才会出现" in form
    assert "family_may_read" in form and "我的家人可以看我写的话" in form
    say(client, public="")  # left unticked
    with app.app_context():
        s = db.session.get(Suggestion, last_id(app))
        assert s.public is False and s.family_may_read is False
    assert "路灯不亮" not in area_page(client)


def test_the_api_shares_nothing_unless_asked(client, app):
    body = {"text": ORDINARY, "kind": "problem", "area": AREA}
    assert client.post("/api/v1/suggestions", json=body).status_code == 201
    with app.app_context():
        assert db.session.get(Suggestion, last_id(app)).public is False  # missing `public` is no
    refused = client.post("/api/v1/suggestions", json={**body, "public": "yes"})
    assert refused.status_code == 400 and refused.get_json()["error"] == "bad_request"
    client.post("/api/v1/suggestions", json={**body, "public": True, "family_may_read": True})
    with app.app_context():
        s = db.session.get(Suggestion, last_id(app))
        assert s.public is True and s.family_may_read is True and s.visibility == "pending"


# --- the moderation queue -----------------------------------------------------------------


def test_nothing_is_public_before_a_person_approves_it(client, app, coordinator):
    code = CODE.search(say(client).get_data(as_text=True)).group(1)
    item = last_id(app)
    assert "路灯不亮" not in area_page(client)
    client.post(f"/area/xinghe.chengguan/support/{item}")  # no "me too" on what is not listed
    assert "路灯不亮" not in client.get("/me-too").get_data(as_text=True)
    assert "我也这么想" not in client.post("/track", data={"code": code}).get_data(as_text=True)

    queue = coordinator.get("/staff/moderation")
    html = queue.get_data(as_text=True)
    assert queue.status_code == 200 and "路灯不亮" in html and "还剩" in html  # time left of 1 day
    assert coordinator.post(f"/staff/moderation/suggestion/{item}/approve").status_code == 302

    page = area_page(client)
    assert "路灯不亮" in page and "告诉大人：这条不对劲" in page
    client.post(f"/area/xinghe.chengguan/support/{item}")
    assert "你已经附议了" in area_page(client)
    assert "路灯不亮" in client.get("/me-too").get_data(as_text=True)
    assert "路灯不亮" not in coordinator.get("/staff/moderation").get_data(as_text=True)
    (approved,) = events(app, "public_approved")
    assert approved.suggestion_id == item and approved.actor.startswith("staff:")
    with app.app_context():
        s = db.session.get(Suggestion, item)
        assert s.moderated_by_id and s.moderated_at and s.visibility == "approved"


def test_the_moderator_edits_the_redaction_and_the_original_stays_for_staff(
    client, app, coordinator
):
    say(client, text="学校门口的路灯不亮了，三年级二班的王小明说晚上好黑")
    item = last_id(app)
    coordinator.post(f"/staff/moderation/suggestion/{item}/edit", data={"text": "   "})
    assert "路灯" not in area_page(client)  # an empty text is refused: still waiting
    coordinator.post(
        f"/staff/moderation/suggestion/{item}/edit", data={"text": "学校门口的路灯不亮了，晚上好黑"}
    )
    page = area_page(client)
    assert "学校门口的路灯不亮了，晚上好黑" in page and "王小明" not in page
    with app.app_context():
        s = db.session.get(Suggestion, item)
        assert s.public_text == "学校门口的路灯不亮了，晚上好黑" and "王小明" in s.text
        redacted = s.redacted_text  # the automatic redaction is kept for staff
        assert redacted != s.public_text
    assert redacted in coordinator.get(f"/staff/items/{item}").get_data(as_text=True)
    assert [e.suggestion_id for e in events(app, "public_edited")] == [item]


def test_hiding_needs_a_reason(client, app, coordinator):
    say(client)
    item = last_id(app)
    coordinator.post(f"/staff/moderation/suggestion/{item}/hide", data={"reason": ""})
    assert "路灯不亮" in coordinator.get("/staff/moderation").get_data(as_text=True)
    coordinator.post(f"/staff/moderation/suggestion/{item}/hide", data={"reason": "写了同学的外号"})
    assert "路灯不亮" not in coordinator.get("/staff/moderation").get_data(as_text=True)
    assert "路灯不亮" not in area_page(client)
    (hidden,) = events(app, "public_hidden")
    assert hidden.detail == {"reason": "写了同学的外号"}


def test_only_the_coordinator_and_admins_moderate(client, app, make_staff):
    say(client)
    item = last_id(app)
    assert client.get("/staff/moderation").status_code == 401
    assert client.post(f"/staff/moderation/suggestion/{item}/approve").status_code == 401
    make_staff("urban", "staff")
    login(client, "staff.urban@city.example")
    assert client.get("/staff/moderation").status_code == 403
    client.post(f"/staff/moderation/suggestion/{item}/approve")
    assert "路灯不亮" not in area_page(client)
    make_staff("coord", "admin")
    admin = app.test_client()
    login(admin, "admin.coord@city.example")
    assert "路灯不亮" in admin.get("/staff/moderation").get_data(as_text=True)
    assert admin.post("/staff/moderation/suggestion/99999/approve").status_code == 302  # kind flash
    assert admin.post(f"/staff/moderation/nothing/{item}/approve").status_code == 404
    assert admin.post(f"/staff/moderation/suggestion/{item}/delete").status_code == 404


def test_urgent_and_review_items_are_never_public(client, app, coordinator):
    say(client, text=SELF_HARM)
    urgent = last_id(app)
    assert "不想活" not in coordinator.get("/staff/moderation").get_data(as_text=True)
    coordinator.post(f"/staff/moderation/suggestion/{urgent}/approve")
    assert "不能公开" in coordinator.get("/staff/moderation").get_data(as_text=True)
    assert "不想活" not in area_page(client)

    say(client)
    ordinary = last_id(app)
    coordinator.post(f"/staff/moderation/suggestion/{ordinary}/approve")
    assert "路灯不亮" in area_page(client)
    with app.app_context():  # a person later marked it for review: off the public pages at once
        db.session.get(Suggestion, ordinary).danger = "review"
        db.session.commit()
    assert "路灯不亮" not in area_page(client)


# --- 告诉大人：这条不对劲 ------------------------------------------------------------------


def test_a_card_reported_from_three_devices_is_taken_down_until_reviewed(client, app, coordinator):
    say(client)
    item = last_id(app)
    coordinator.post(f"/staff/moderation/suggestion/{item}/approve")
    say(client, text="希望学校门口多一些座椅")  # waits longer than the card reported below
    tablets = [app.test_client() for _ in range(3)]
    tell = f"/cards/suggestion/{item}/tell"
    for tablet in tablets[:2]:
        response = tablet.post(tell, data={"back": "/area/xinghe.chengguan"})
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/area/xinghe.chengguan"
        )
        tablet.post(tell, data={"back": "/area/xinghe.chengguan"})  # the same device again: once
    assert "谢谢你告诉我们" in tablets[0].get("/area/xinghe.chengguan").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PublicReport)) == 2
        assert all(len(h) == 64 for h in db.session.scalars(select(PublicReport.device_hash)))
    assert "路灯不亮" in area_page(client)

    tablets[2].post(tell, data={"back": "https://elsewhere.example/"})
    assert "路灯不亮" not in area_page(client)
    (down,) = events(app, "public_taken_down")
    assert down.detail == {"reports": 3} and down.actor == "system"

    queue = coordinator.get("/staff/moderation").get_data(as_text=True)  # reported ones first
    assert queue.index("路灯不亮") < queue.index("座椅") and "已撤下：3 台设备举报" in queue
    coordinator.post(f"/staff/moderation/suggestion/{item}/approve")
    assert "路灯不亮" in area_page(client)
    with app.app_context():  # looked at: later reports count afresh
        assert db.session.scalar(select(func.count()).select_from(PublicReport)) == 0


def test_only_public_cards_can_be_reported(client, app):
    say(client)
    item = last_id(app)
    client.post(f"/cards/suggestion/{item}/tell", data={"back": "/area/xinghe.chengguan"})
    assert "这条已经不在这里显示了" in area_page(client)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PublicReport)) == 0
    assert client.post("/cards/suggestion/abc/tell").status_code == 404
    assert client.post("/cards/photo/1/tell").status_code == 404


# --- observations and council proposals: the same analysis ---------------------------------------


@pytest.fixture
def mission_id(app, coordinator):
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator"))
        m = missions.create_mission(
            user,
            title="公园体检",
            checklist=["滑梯可以安全地玩", "有乘凉的地方"],
            area_code="xinghe.chengguan",
            starts_on=today() - timedelta(days=1),
            ends_on=today() + timedelta(days=6),
            agency_code="urban",
        )
        db.session.commit()
        return m.id


def observe(client, mission_id, text, ticks=("0",)):
    return client.post(
        f"/missions/{mission_id}",
        data={"ticks": list(ticks), "text": text, "place": "", "nickname": ""},
        content_type="multipart/form-data",
    )


def test_a_disclosure_in_an_observation_lands_in_the_urgent_queue_not_on_the_report(
    client, app, coordinator, mission_id
):
    observed = observe(client, mission_id, DISCLOSURE).get_data(as_text=True)
    assert "这不是你的错" in observed and 'href="tel:110"' in observed  # the child's side of danger
    observe(client, mission_id, "树荫下的椅子坏了", ticks=("1",))
    with app.app_context():
        told, ordinary = db.session.scalars(select(Observation).order_by(Observation.id)).all()
        assert told.danger == "urgent" and ordinary.danger == "none"
        told_id, ordinary_id = told.id, ordinary.id
        item = db.session.get(Suggestion, told.danger_suggestion_id)
        assert item.urgent and item.channel == Channel.OBSERVER and item.public is False
        assert item.area.code == "xinghe.chengguan" and item.is_open
        item_id = item.id

    assert item_id in urgent_queue(app)
    assert f"/staff/items/{item_id}" in coordinator.get("/staff/?view=urgent").get_data(
        as_text=True
    )
    coordinator.post(f"/staff/missions/{mission_id}/send")
    with app.app_context():
        report_item = db.session.get(Mission, mission_id).report_suggestion
        assert "不敢回家" not in report_item.text  # the agency of the mission never reads it
        assert "树荫下的椅子坏了" in report_item.text
    queue = coordinator.get("/staff/moderation").get_data(as_text=True)
    assert "不敢回家" not in queue and "树荫下的椅子坏了" in queue
    coordinator.post(f"/staff/moderation/observation/{told_id}/approve")  # refused: never public
    coordinator.post(f"/staff/moderation/observation/{ordinary_id}/approve")

    report = client.get(f"/missions/{mission_id}/report").get_data(as_text=True)
    assert "不敢回家" not in report and "喝醉" not in report
    assert "树荫下的椅子坏了" in report and "告诉大人：这条不对劲" in report
    assert [e.detail["observation"] for e in events(app, "public_approved")] == [ordinary_id]


def test_observation_words_wait_for_the_sent_report_and_a_person(
    client, app, coordinator, mission_id
):
    observe(client, mission_id, "树荫下的椅子坏了")
    observation = last_id(app, Observation)
    assert "树荫下的椅子坏了" not in client.get(f"/missions/{mission_id}/report").get_data(
        as_text=True
    )
    assert "树荫下的椅子坏了" not in coordinator.get("/staff/moderation").get_data(as_text=True)
    coordinator.post(f"/staff/missions/{mission_id}/send")
    assert "树荫下的椅子坏了" not in client.get(f"/missions/{mission_id}/report").get_data(
        as_text=True
    )
    coordinator.post(f"/staff/moderation/observation/{observation}/edit", data={"text": "椅子坏了"})
    report = client.get(f"/missions/{mission_id}/report").get_data(as_text=True)
    assert "椅子坏了" in report and "树荫下的椅子坏了" not in report

    tablets = [app.test_client() for _ in range(3)]
    for tablet in tablets:
        tablet.post(
            f"/cards/observation/{observation}/tell",
            data={"back": f"/missions/{mission_id}/report"},
        )
    assert "椅子坏了" not in client.get(f"/missions/{mission_id}/report").get_data(as_text=True)
    with app.app_context():  # recorded on the mission's report item
        (down,) = events(app, "public_taken_down")
        assert down.suggestion_id == db.session.get(Mission, mission_id).report_suggestion_id
        assert down.detail["observation"] == observation
    assert "椅子坏了" in coordinator.get("/staff/moderation").get_data(as_text=True)


def test_a_disclosure_in_a_council_proposal_becomes_an_urgent_item_not_an_agenda_point(
    app, coordinator
):
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator"))
        county = councils.create_council(user, "xinghe")
        member = councils.add_member(
            user,
            county,
            nickname="小海豚",
            age_band="9-11",
            consent_on=today(),
            consent_method="paper",
        )
        session = council_sessions.create_session(user, county, held_on=today(), place="县图书馆")
        db.session.commit()
        member_id, join_code, county_id = member.id, session.join_code, county.id
    tablet = app.test_client()
    tablet.post("/council/join", data={"code": join_code})
    tablet.post(
        f"/council/room/{member_id}/propose", data={"title": "我想说一件事", "text": DISCLOSURE}
    )
    page = tablet.get(f"/council/room/{member_id}").get_data(as_text=True)
    assert "这不是你的错" in page and "110" in page and "已经放进今天的议程" not in page
    coordinator.post(
        f"/staff/councils/{county_id}/proposals", data={"title": "我想说", "text": SELF_HARM}
    )
    assert "没有放进议程" in coordinator.get(f"/staff/councils/{county_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0
        items = db.session.scalars(select(Suggestion).order_by(Suggestion.id)).all()
        assert [(s.channel, s.urgent, s.public) for s in items] == [
            (Channel.COUNCIL, True, False)
        ] * 2
        ids = [s.id for s in items]
    assert set(ids) <= urgent_queue(app)
    urgent = coordinator.get("/staff/?view=urgent").get_data(as_text=True)
    assert all(f"/staff/items/{i}" in urgent for i in ids)


# --- the child's side of danger -------------------------------------------------------------


def help_box(html: str) -> str:
    found = re.search(r'<div class="help-box.*?</div>', html, re.S)
    return found.group(0) if found else ""


def test_a_person_in_danger_reads_it_was_right_to_tell_with_the_lines_that_fit(client):
    box = help_box(say(client, text=SELF_HARM, public="").get_data(as_text=True))
    assert "你告诉我们，做得很对" in box and "这不是你的错" in box
    assert 'href="tel:12355"' in box and 'href="tel:120"' in box  # self-harm: youth line, ambulance
    box = help_box(say(client, text=DISCLOSURE, public="").get_data(as_text=True))
    assert 'href="tel:110"' in box and "这不是你的错" in box


def test_a_place_hazard_reads_stay_away_and_no_110(client):
    box = help_box(say(client, text=HAZARD, public="").get_data(as_text=True))
    assert "我们已经告诉负责修理的人了" in box and "离它远一点" in box
    assert "tel:" not in box and "不是你的错" not in box


def test_an_ordinary_item_gets_no_help_box(client):
    html = say(client, text=ORDINARY, public="").get_data(as_text=True)
    assert help_box(html) == "" and 'href="tel:' not in html


def test_a_review_item_reads_a_grown_up_will_read_it_today(client, app):
    code = CODE.search(say(client, text=ORDINARY, public="").get_data(as_text=True)).group(1)
    with app.app_context():  # a person must look today (set directly: the level is the test)
        s = db.session.get(Suggestion, last_id(app))
        s.danger, s.urgent_reasons = "review", ["neglect"]
        db.session.commit()
    box = help_box(client.post("/track", data={"code": code}).get_data(as_text=True))
    assert "今天就会有大人看你写的话" in box and 'href="tel:110"' in box
    shown = client.get(f"/api/v1/suggestions/{code.replace(' ', '')}").get_json()
    assert shown["danger"] == "review" and shown["help"]["kind"] == "review"
    assert [line["number"] for line in shown["help"]["lines"]] == ["110", "12355"]


def test_the_api_gives_the_same_help_fields(client):
    def sent(text):
        return client.post("/api/v1/suggestions", json={"text": text, "kind": "problem"}).get_json()

    person, hazard, ordinary = sent(SELF_HARM), sent(HAZARD), sent(ORDINARY)
    assert person["danger"] == "urgent" and person["help"]["kind"] == "person"
    assert "这不是你的错" in person["help"]["message"] and person["help"]["lines"][0]["label"]
    assert hazard["help"]["kind"] == "hazard" and hazard["help"]["lines"] == []
    assert ordinary["danger"] == "none" and ordinary["help"] is None


def test_names_and_phones_are_masked_for_staff_and_the_public(client, app, coordinator):
    text = (
        "三年级二班的王小明上课总抢我的橡皮，我想跟李老师说，"
        "我妈妈的电话是138 1234.5678，爸爸的是一三八一二三四五六七八"
    )
    say(client, text=text)
    item = last_id(app)
    queue = coordinator.get("/staff/moderation").get_data(as_text=True)
    staff_page = coordinator.get(f"/staff/items/{item}").get_data(as_text=True)
    assert coordinator.post(f"/staff/moderation/suggestion/{item}/approve").status_code == 302
    public = area_page(client)
    for page in (queue, staff_page, public):
        assert "【姓名】" in page and "橡皮" in page
        for secret in ("王小明", "李老师", "5678", "一三八一二三四"):
            assert secret not in page


def test_help_lines_fit_the_kind_of_danger(app):
    from webapp.services.safeguarding import help_lines

    def numbers(*kinds):
        return [line.number for line in help_lines(kinds)]

    assert numbers("hazard") == []  # a place: the people who fix it were told
    assert numbers("abuse") == ["110", "12355"]
    assert numbers("self_harm") == ["110", "12355", "120"]
    assert numbers("fire") == ["119"]
    assert numbers("rescue")[0] == "119" and "110" in numbers("rescue")
    assert numbers() == ["110", "12355"]  # nothing known: a person, to be safe
