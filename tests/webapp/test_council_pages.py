"""Councils, "me too" and missions through the test client: children's pages and the console."""

import io
import re
from datetime import date, timedelta

import pytest
from helpers import PASSWORD
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Council, CouncilMember, Mission, Proposal, StaffUser, Suggestion
from webapp.services import (
    casework,
    council_notices,
    council_sessions,
    councils,
    missions,
    suggestions,
)
from webapp.services.councils import today

CODE = re.compile(r'<p class="code" id="code">([^<]+)</p>')
SCHOOL = "xinghe.chengguan.shiyan"


def login(client, email, password=PASSWORD):
    return client.post("/staff/login", data={"email": email, "password": password})


def new_item(
    app, text="滨江社区的滑梯上有碎玻璃", area="xinghe.chengguan.binjiang", agency="urban"
):
    with app.app_context():
        created = suggestions.create_suggestion(
            text=text, kind="problem", channel="web", area_code=area, public=True
        )
        s = created.suggestion
        # Shared and approved, no danger (moderation itself: test_public_moderation.py).
        s.urgent, s.has_pii, s.danger, s.visibility = False, False, "none", "approved"
        casework.place_in_queue(s, casework.agency_by_code(agency))
        db.session.commit()
        return s.id, created.code


@pytest.fixture
def coordinator(client, make_staff):
    make_staff("coord", "coordinator")
    login(client, "coordinator.coord@city.example")
    return client


def make_councils(app, *codes):
    """Councils (top down) with three members each; returns their ids."""
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator"))
        ids = []
        for code in codes:
            c = councils.create_council(user, code)
            for nickname in ("小海豚", "小星星", "小松鼠"):
                councils.add_member(
                    user,
                    c,
                    nickname=nickname,
                    age_band="9-11",
                    consent_on=date(2025, 3, 1),
                    consent_method="paper",
                )
            ids.append(c.id)
        db.session.commit()
        return ids


def members(app, council_id):
    with app.app_context():
        return [
            m.id
            for m in db.session.scalars(
                select(CouncilMember)
                .where(CouncilMember.council_id == council_id)
                .order_by(CouncilMember.id)
            )
        ]


# --- "me too" ---------------------------------------------------------------------------


def test_start_page_links_to_participation(client):
    html = client.get("/").get_data(as_text=True)
    assert "/area" in html and "/councils" in html and "/missions" in html
    assert "儿童议事会" in html and "儿童观察团" in html


def test_me_too_on_the_area_page(client, app):
    item, _ = new_item(app)
    page = client.get("/area/xinghe.chengguan").get_data(as_text=True)
    assert (
        "滨江社区的滑梯上有碎玻璃" in page
        and "我也这么想" in page
        and "来做第一个说“我也这么想”的人" in page
    )
    response = client.post(f"/area/xinghe.chengguan/support/{item}")
    assert response.status_code == 302 and "device=" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    page = client.get("/area/xinghe.chengguan").get_data(as_text=True)
    assert "还有1位小朋友也这么想" in page and "你已经附议了" in page
    client.post(f"/area/xinghe.chengguan/support/{item}")  # the same device again
    assert "还有1位小朋友也这么想" in client.get("/area/xinghe.chengguan").get_data(as_text=True)
    assert "滨江社区的滑梯上有碎玻璃" in client.get("/me-too").get_data(as_text=True)
    assert "城关街道" in client.get("/area").get_data(as_text=True)
    assert client.get("/area/nowhere").status_code == 404


def test_me_too_from_the_tracking_page(client, app):
    _, code = new_item(app)
    page = client.post("/track", data={"code": code}).get_data(as_text=True)
    assert "我也这么想" in page
    response = client.post("/track/support", data={"code": code})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "你的“我也这么想”已经算上了" in html and "还有1位小朋友也这么想" in html
    assert code not in response.headers.get("Location", "")


# --- council tablets and console --------------------------------------------------------


def test_a_council_session_through_the_pages(coordinator, app, client):
    (school,) = make_councils(app, "xinghe", "xinghe.chengguan", SCHOOL)[2:]
    a, b, c = members(app, school)

    page = coordinator.get(f"/staff/councils/{school}").get_data(as_text=True)
    assert "城关实验小学儿童议事会" in page and "小海豚" in page and "纸质同意书" in page
    response = coordinator.post(
        f"/staff/councils/{school}/sessions",
        data={"held_on": today().isoformat(), "place": "学校会议室"},
    )
    session_url = response.headers["Location"]
    session_id = int(session_url.rsplit("/", 1)[1])
    coordinator.post(
        f"/staff/councils/sessions/{session_id}/proposals",
        data={"title": "课间多十分钟", "text": "课间太短了，希望延长"},
    )
    coordinator.post(f"/staff/councils/sessions/{session_id}/open")
    with app.app_context():
        proposal = db.session.scalar(select(Proposal))
        proposal_id, join_code = proposal.id, proposal.session.join_code
    page = coordinator.get(session_url).get_data(as_text=True)
    assert join_code in page and "课间多十分钟" in page and "付诸表决" in page
    coordinator.post(f"/staff/councils/proposals/{proposal_id}/start")

    tablet = app.test_client()
    assert (
        tablet.post(
            "/council/join", data={"code": "000000" if join_code != "000000" else "1"}
        ).status_code
        == 404
    )
    assert (
        tablet.post("/council/join", data={"code": join_code})
        .headers["Location"]
        .endswith("/council/room")
    )
    room = tablet.get("/council/room").get_data(as_text=True)
    assert "小海豚" in room and "正在表决" in room
    for member, choice in ((a, "for"), (b, "for"), (c, "against")):
        page = tablet.get(f"/council/room/{member}").get_data(as_text=True)
        assert "课间多十分钟" in page and "赞成" in page and "还没想好" in page
        tablet.post(f"/council/room/{member}/vote/{proposal_id}", data={"choice": choice})
    tally = tablet.get("/council/room/tally.json").get_json()
    assert tally["proposals"][str(proposal_id)] | {"status": None} == {
        "status": None,
        "for": 2,
        "against": 1,
        "abstain": 0,
    }
    assert "你选的是：赞成" in tablet.get(f"/council/room/{a}").get_data(as_text=True)

    response = coordinator.post(f"/staff/councils/proposals/{proposal_id}/close")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "通过" in html and CODE.search(html)
    with app.app_context():
        item = db.session.get(Proposal, proposal_id).suggestion
        casework.place_in_queue(item, casework.agency_by_code("edu"))
        db.session.commit()
        item_id = item.id
    page = coordinator.get(f"/staff/items/{item_id}").get_data(as_text=True)
    assert "儿童议事会提案" in page and "赞成2，不赞成1，没想好0" in page
    assert "儿童议事会通过" in page  # in the history
    queue = coordinator.get("/staff/?agency=edu").get_data(as_text=True)
    assert "儿童议事会提案" in queue

    with app.app_context():
        from helpers import answer_as_coordinator

        s = db.session.get(Suggestion, item_id)
        answer_as_coordinator(s, "yes", "课间要休息好", "下学期起课间十五分钟")
        council_notices.notify_members_of_answer(s)
        db.session.commit()
    page = tablet.get(f"/council/room/{c}").get_data(as_text=True)
    assert "好消息：我们的提案有回复了" in page and "课间要休息好" in page
    tablet.post(f"/council/room/{c}/seen")
    assert "我们的提案有回复了" not in tablet.get(f"/council/room/{c}").get_data(as_text=True)
    public = client.get(f"/councils/{school}").get_data(as_text=True)
    assert "课间多十分钟" not in public and "下学期起课间十五分钟" in public  # words once approved
    assert "课间多十分钟" in coordinator.get("/staff/moderation").get_data(as_text=True)
    coordinator.post(f"/staff/moderation/suggestion/{item_id}/approve")
    public = client.get(f"/councils/{school}").get_data(as_text=True)
    assert "课间多十分钟" in public and "告诉大人：这条不对劲" in public

    coordinator.post(
        f"/staff/councils/sessions/{session_id}/close", data={"minutes": "通过一项提案"}
    )
    assert tablet.get("/council/room").status_code == 404  # the code no longer works


def test_a_member_proposes_from_the_tablet(coordinator, app):
    (county,) = make_councils(app, "xinghe")
    a = members(app, county)[0]
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator"))
        s = council_sessions.create_session(
            user, db.session.get(Council, county), held_on=today(), place="县图书馆"
        )
        db.session.commit()
        join_code = s.join_code
    tablet = app.test_client()
    tablet.post("/council/join", data={"code": join_code})
    assert "会议还没开始" in tablet.get("/council/room").get_data(as_text=True)
    tablet.post(
        f"/council/room/{a}/propose", data={"title": "图书角", "text": "每个班都要有图书角"}
    )
    assert "你的提案已经放进今天的议程了" in tablet.get(f"/council/room/{a}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Proposal.title)) == "图书角"


def test_coordinator_sets_up_councils_and_facilitators_through_forms(coordinator, app):
    coordinator.post("/staff/councils", data={"area": "xinghe.chengguan"})
    assert "请先成立上一级的儿童议事会" in coordinator.get("/staff/councils").get_data(as_text=True)
    coordinator.post("/staff/councils", data={"area": "xinghe"})
    page = coordinator.get("/staff/councils").get_data(as_text=True)
    assert "星河县儿童议事会" in page
    with app.app_context():
        county = db.session.scalar(select(Council.id))
    coordinator.post(
        f"/staff/councils/{county}/members",
        data={
            "nickname": "13812345678",
            "age_band": "9-11",
            "consent_on": "2025-03-01",
            "consent_method": "paper",
        },
    )
    assert "不要写电话号码" in coordinator.get(f"/staff/councils/{county}").get_data(as_text=True)
    coordinator.post(
        f"/staff/councils/{county}/members",
        data={
            "nickname": "小海豚",
            "age_band": "9-11",
            "consent_on": "",
            "consent_method": "paper",
        },
    )
    assert "请记下监护人同意的日期" in coordinator.get(f"/staff/councils/{county}").get_data(
        as_text=True
    )
    coordinator.post(
        f"/staff/councils/{county}/facilitators",
        data={"email": "f@county.example", "password": PASSWORD},
    )
    assert "f@county.example" in coordinator.get(f"/staff/councils/{county}").get_data(as_text=True)


def test_facilitators_see_their_council_only(client, app, make_staff):
    make_staff("coord", "coordinator")
    county, town = make_councils(app, "xinghe", "xinghe.chengguan")
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator"))
        councils.create_facilitator(user, db.session.get(Council, town), "f@town.example", PASSWORD)
        db.session.commit()
    item, _ = new_item(app)
    login(client, "f@town.example")
    assert client.get("/staff/").headers["Location"].endswith("/staff/councils")  # no agency queue
    assert client.get(f"/staff/items/{item}").status_code == 302
    assert client.get("/staff/councils").headers["Location"].endswith(f"/staff/councils/{town}")
    assert "城关街道儿童议事会" in client.get(f"/staff/councils/{town}").get_data(as_text=True)
    assert client.get(f"/staff/councils/{county}").status_code == 404
    assert client.get("/staff/missions").status_code == 404
    token = client.post(
        "/api/v1/staff/token", json={"email": "f@town.example", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert client.get("/api/v1/staff/queue", headers=headers).status_code == 403


def test_agency_staff_see_no_councils(client, app, make_staff):
    make_staff("urban", "staff")
    login(client, "staff.urban@city.example")
    assert client.get("/staff/councils").status_code == 404
    assert client.get("/staff/").status_code == 200


def test_console_needs_a_login(client, app):
    for path in ("/staff/councils", "/staff/missions", "/staff/councils/sessions/1"):
        assert client.get(path).status_code == 401


# --- missions ---------------------------------------------------------------------------


def test_a_mission_through_the_pages(coordinator, app, client, image_bytes):
    response = coordinator.post(
        "/staff/missions",
        data={
            "title": "公园体检",
            "checklist": "滑梯可以安全地玩\n有乘凉的地方\n\n",
            "area": "xinghe.chengguan",
            "starts_on": today().isoformat(),
            "ends_on": (today() + timedelta(days=7)).isoformat(),
            "agency": "urban",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        mission_id = db.session.scalar(select(Mission.id))
    assert "公园体检" in client.get("/missions").get_data(as_text=True)
    form = client.get(f"/missions/{mission_id}").get_data(as_text=True)
    assert "滑梯可以安全地玩" in form and 'type="checkbox"' in form
    response = client.post(
        f"/missions/{mission_id}",
        data={
            "ticks": ["0", "1"],
            "text": "树荫下的椅子坏了",
            "place": "东门",
            "nickname": "",
            "photo": (io.BytesIO(image_bytes("PNG")), "park.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "谢谢你，小观察员" in response.get_data(as_text=True)
    bad = client.post(
        f"/missions/{mission_id}", data={"text": ""}, content_type="multipart/form-data"
    )
    assert bad.status_code == 400 and "请勾选你看到的" in bad.get_data(as_text=True)

    report = client.get(f"/missions/{mission_id}/report").get_data(as_text=True)
    assert (
        "树荫下的椅子坏了" not in report and "/missions/photos/" not in report
    )  # once sent and approved
    staff_report = coordinator.get(f"/staff/missions/{mission_id}").get_data(as_text=True)
    assert "/staff/missions/photos/" in staff_report and "把报告发给城市管理局" in staff_report
    photo_id = int(re.search(r"/staff/missions/photos/(\d+)", staff_report).group(1))
    assert coordinator.get(f"/staff/missions/photos/{photo_id}").mimetype == "image/jpeg"
    assert client.get(f"/missions/photos/{photo_id}").status_code == 404

    coordinator.post(f"/staff/missions/{mission_id}/send")
    with app.app_context():
        item = db.session.get(Mission, mission_id).report_suggestion
        assert item.agency.code == "urban"
        item_id = item.id
    page = coordinator.get(f"/staff/items/{item_id}").get_data(as_text=True)
    assert "儿童观察团报告" in page and f"/staff/missions/{mission_id}" in page
    report = client.get(f"/missions/{mission_id}/report").get_data(as_text=True)
    assert f"/missions/photos/{photo_id}" not in report and "正在等回复" in report
    assert client.get(f"/missions/photos/{photo_id}").status_code == 404  # not approved yet
    with app.app_context():
        observation_id = db.session.get(Mission, mission_id).observations[0].id
    queue = coordinator.get("/staff/moderation").get_data(as_text=True)
    assert "树荫下的椅子坏了" in queue and f"/staff/missions/photos/{photo_id}" in queue
    coordinator.post(f"/staff/moderation/observation/{observation_id}/approve")
    report = client.get(f"/missions/{mission_id}/report").get_data(as_text=True)
    assert "树荫下的椅子坏了" in report and f"/missions/photos/{photo_id}" in report
    assert client.get(f"/missions/photos/{photo_id}").status_code == 200
    with app.app_context():
        from helpers import answer_as_coordinator

        answer_as_coordinator(db.session.get(Suggestion, item_id), "yes", "椅子会修", "下周修好")
        db.session.commit()
    assert "下周修好" in client.get(f"/missions/{mission_id}/report").get_data(as_text=True)
    assert "这个观察任务已经结束了" in client.get(f"/missions/{mission_id}").get_data(as_text=True)


def test_the_receiving_agency_reads_the_sent_report(client, app, make_staff):
    make_staff("coord", "coordinator")
    make_staff("urban", "staff")
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator"))
        m = missions.create_mission(
            user,
            title="公园体检",
            checklist=["有乘凉的地方"],
            area_code="xinghe",
            starts_on=today(),
            ends_on=today(),
            agency_code="urban",
        )
        db.session.commit()
        missions.observe(m.id, client="t", ticks=[0])
        db.session.commit()
        mission_id = m.id
    login(client, "staff.urban@city.example")
    assert client.get(f"/staff/missions/{mission_id}").status_code == 404
    with app.app_context():
        missions.send_report(
            db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator")), mission_id
        )
        db.session.commit()
    page = client.get(f"/staff/missions/{mission_id}").get_data(as_text=True)
    assert "有乘凉的地方" in page and "把报告发给" not in page


def test_an_observation_photo_is_not_an_item_photo(coordinator, app, image_bytes):
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator"))
        m = missions.create_mission(
            user,
            title="公园体检",
            checklist=["有乘凉的地方"],
            area_code="xinghe",
            starts_on=today(),
            ends_on=today(),
            agency_code="urban",
        )
        db.session.commit()
        photo_id = (
            missions.observe(m.id, client="t", ticks=[0], photo=image_bytes("PNG")).photos[0].id
        )
        db.session.commit()
    assert coordinator.get(f"/staff/photos/{photo_id}").status_code == 404
    assert coordinator.get(f"/staff/missions/photos/{photo_id}").status_code == 200


def test_a_tablet_may_join_again_once_its_session_closed(coordinator, app):
    (county,) = make_councils(app, "xinghe")
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator"))
        first = council_sessions.create_session(
            user, db.session.get(Council, county), held_on=today(), place="A"
        )
        db.session.commit()
        first_id, code = first.id, first.join_code
    tablet = app.test_client()
    tablet.post("/council/join", data={"code": code})
    coordinator.post(f"/staff/councils/sessions/{first_id}/close", data={"minutes": ""})
    assert tablet.get("/council/room").status_code == 404
    page = tablet.get("/council/join")
    assert page.status_code == 200 and "加入议事会会议" in page.get_data(as_text=True)
