"""A council session in real browsers: the facilitator opens it, three members vote on a
tablet-sized page, the proposal is adopted and lands in the agency's queue."""

import re
from datetime import date

import pytest
from helpers import PASSWORD
from playwright.sync_api import expect
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Proposal, StaffUser, Status
from webapp.services import casework, councils, staff

from .conftest import LANDSCAPE, TABLET
from .test_child_flow import touch_targets_too_small

pytestmark = pytest.mark.browser


def setup_council(app) -> int:
    with app.app_context():
        coord = staff.create_staff("coordinator@city.example", PASSWORD, "coord", "coordinator")
        for code in ("xinghe", "xinghe.chengguan"):
            councils.create_council(coord, code)
        school = councils.create_council(coord, "xinghe.chengguan.shiyan")
        for nickname in ("小海豚", "小星星", "小松鼠"):
            councils.add_member(
                coord,
                school,
                nickname=nickname,
                age_band="9-11",
                consent_on=date(2025, 3, 1),
                consent_method="paper",
            )
        councils.create_facilitator(coord, school, "facilitator@school.example", PASSWORD)
        staff.create_staff("staff.edu@city.example", PASSWORD, "edu", "staff")
        db.session.commit()
        return school.id


def test_council_session_on_a_tablet(page, browser, live_server, app, shot):
    school = setup_council(app)

    # The facilitator, on a laptop: a session, a member's proposal, open, put to the vote.
    desk = browser.new_context(viewport=LANDSCAPE, locale="zh-CN", base_url=live_server).new_page()
    desk.goto("/staff/")
    desk.fill("#email", "facilitator@school.example")
    desk.fill("#password", PASSWORD)
    desk.get_by_role("button", name="登录").click()
    desk.wait_for_url(f"**/staff/councils/{school}")  # straight to their council, no queue
    desk.fill("#place", "学校会议室")
    desk.get_by_role("button", name="新建会议").click()
    desk.wait_for_url(re.compile(r"/staff/councils/sessions/\d+$"))
    desk.fill("#title", "课间多十分钟")
    desk.fill("#text", "课间只有十分钟，上厕所都来不及，希望延长到十五分钟")
    desk.get_by_role("button", name="加入议程").click()
    desk.get_by_text("课间只有十分钟", exact=False).first.wait_for()
    desk.get_by_role("button", name="开始会议").click()
    desk.get_by_role("button", name="付诸表决").click()
    desk.get_by_role("button", name="结束表决并计票").wait_for()  # the vote is open
    join_code = desk.locator("#join-code").inner_text()
    assert re.fullmatch(r"\d{6}", join_code)
    shot(desk, "20-council-session-1280x800")

    # One tablet in the room, passed from child to child.
    page.goto("/councils")
    page.get_by_role("link", name="我在开议事会：加入会议").click()
    page.fill("#code", join_code)
    page.get_by_role("button", name="加入").click()
    page.wait_for_url("**/council/room")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    assert touch_targets_too_small(page) == []
    shot(page, "21-council-room-768x1024")
    for nickname, choice in (("小海豚", "赞成"), ("小星星", "赞成"), ("小松鼠", "不赞成")):
        page.get_by_role("link", name=nickname).click()
        page.wait_for_url(re.compile(r"/council/room/\d+$"))
        assert page.get_by_text("课间多十分钟").first.is_visible()
        assert touch_targets_too_small(page) == []
        page.get_by_role("button", name=choice, exact=True).click()
        page.get_by_text(f"你选的是：{choice}").wait_for()
        if nickname == "小星星":
            shot(page, "22-council-vote-768x1024")
        page.get_by_role("link", name="好了，换下一位").click()
        page.wait_for_url("**/council/room")

    # The counts reach the facilitator's page by themselves, as pictures and numbers.
    tally = desk.locator(".tally").first
    # Wait for the whole tally: a poll between two votes shows "for" at 2 before "against" is 1.
    expect(tally.locator('[data-count="for"]')).to_have_text("2", timeout=10000)
    expect(tally.locator('[data-count="against"]')).to_have_text("1", timeout=10000)
    expect(tally.locator('[data-choice="for"] img')).to_have_count(2)
    desk.get_by_role("button", name="结束表决并计票").click()
    desk.locator("#result").wait_for()
    assert desk.locator("#result").inner_text().startswith("通过")
    assert re.fullmatch(r"\S{2} \S{2} \d{4}", desk.locator("#code").inner_text())
    shot(desk, "23-council-adopted-1280x800")

    # Routed like any other item; here the education bureau's queue, council proposals marked.
    with app.app_context():
        proposal = db.session.scalar(select(Proposal))
        item = proposal.suggestion
        assert proposal.status == "adopted" and item.status == Status.ROUTED
        if item.agency.code != "edu":
            casework.place_in_queue(item, casework.agency_by_code("edu"))
            db.session.commit()
        assert (
            db.session.scalar(
                select(StaffUser.agency_id).where(StaffUser.email == "facilitator@school.example")
            )
            is None
        )
    edu = browser.new_context(viewport=LANDSCAPE, locale="zh-CN", base_url=live_server).new_page()
    edu.goto("/staff/")
    edu.fill("#email", "staff.edu@city.example")
    edu.fill("#password", PASSWORD)
    edu.get_by_role("button", name="登录").click()
    row = edu.locator("tr", has_text="课间多十分钟")
    row.get_by_text("儿童议事会提案").wait_for()
    row.get_by_role("link", name=re.compile("课间多十分钟")).click()
    edu.locator("#council-proposal").get_by_text("赞成2，不赞成1，没想好0").wait_for()
    shot(edu, "24-agency-item-1280x800")

    # At landscape size the tablet page still works.
    page.set_viewport_size(LANDSCAPE)
    page.goto("/councils")
    assert touch_targets_too_small(page) == []
    assert TABLET["width"] == 768


def test_me_too_and_an_observer_mission_on_a_tablet(page, app, shot, image_bytes, tmp_path):
    from datetime import timedelta

    from webapp.services import missions, moderation_queue, suggestions

    with app.app_context():
        coord = staff.create_staff("coordinator@city.example", PASSWORD, "coord", "coordinator")
        s = suggestions.create_suggestion(
            text="滨江社区的滑梯太矮了，希望换一个高一点的",
            kind="idea",
            channel="web",
            area_code="xinghe.chengguan.binjiang",
            public=True,
        ).suggestion
        moderation_queue.approve(coord, "suggestion", s.id)  # nothing is listed before this
        m = missions.create_mission(
            coord,
            title="公园体检",
            checklist=["滑梯可以安全地玩", "有乘凉的地方"],
            area_code="xinghe.chengguan",
            starts_on=councils.today(),
            ends_on=councils.today() + timedelta(days=7),
            agency_code="urban",
        )
        db.session.commit()
        mission_id = m.id

    page.goto("/")
    page.get_by_role("link", name="看看大家说了什么").click()
    page.get_by_role("link", name="城关街道").click()
    page.wait_for_url("**/area/xinghe.chengguan")
    assert touch_targets_too_small(page) == []
    page.get_by_role("button", name="我也这么想！").click()
    page.wait_for_url(re.compile(r"/area/xinghe\.chengguan#s\d+$"))
    page.get_by_text("还有1位小朋友也这么想").wait_for()
    assert page.get_by_text("你已经附议了").is_visible()
    shot(page, "25-me-too-768x1024")

    page.goto("/missions")
    page.get_by_role("link", name=re.compile("公园体检")).click()
    page.wait_for_url(f"**/missions/{mission_id}")
    assert touch_targets_too_small(page) == []
    page.get_by_text("有乘凉的地方").click()
    page.fill("#text", "树荫下的椅子坏了")
    photo = tmp_path / "park.png"
    photo.write_bytes(image_bytes("PNG", size=(320, 240)))
    page.set_input_files("#photo", str(photo))
    shot(page, "26-mission-768x1024")
    page.get_by_role("button", name="提交我的观察").click()
    page.get_by_text("谢谢你，小观察员！").wait_for()
    page.get_by_role("link", name="看看报告").click()
    page.wait_for_url(f"**/missions/{mission_id}/report")
    assert page.locator(".counts li").nth(1).inner_text().endswith("1")
    assert touch_targets_too_small(page) == []
    shot(page, "27-mission-report-768x1024")
    with app.app_context():
        assert len(db.session.get(missions.Mission, mission_id).observations) == 1
