"""The whole loop in a real browser: a child speaks, staff answer, the child rates."""

import pytest
from helpers import PASSWORD
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Status, Suggestion
from webapp.services import casework

from .conftest import LANDSCAPE

pytestmark = pytest.mark.browser


def test_child_to_staff_and_back(page, browser, live_server, app, make_staff, shot):
    page.goto("/say/problem")
    page.fill("#text", "滨江公园的秋千链子断了，小朋友都不敢玩")
    page.get_by_text("9-11岁").click()
    page.get_by_role("button", name="发送").click()
    code = page.locator("#code").inner_text()

    # Whatever the analysis guessed, this test follows the item in the parks agency.
    with app.app_context():
        s = db.session.scalar(select(Suggestion))
        if s.agency.code != "urban":
            casework.place_in_queue(s, casework.agency_by_code("urban"))
            db.session.commit()
        item_id = s.id
    make_staff("urban", "staff")

    staff_page = browser.new_context(
        viewport=LANDSCAPE, locale="zh-CN", base_url=live_server
    ).new_page()
    staff_page.goto("/staff/")
    staff_page.fill("#email", "staff.urban@city.example")
    staff_page.fill("#password", PASSWORD)
    staff_page.get_by_role("button", name="登录").click()
    staff_page.get_by_role("link", name="滨江公园的秋千链子断了").click()
    shot(staff_page, "10-staff-item-1280x800")
    staff_page.get_by_role("button", name="签收").click()
    assert staff_page.get_by_text("已完成").is_visible()
    staff_page.select_option("#template", label="采纳，会去做")
    assert staff_page.locator("#why").input_value().startswith("你说得很对")
    staff_page.fill("#next_steps", "我们会在下周五之前换上新的秋千链子。")
    shot(staff_page, "11-staff-answer-1280x800")
    staff_page.get_by_role("button", name="发送答复").click()
    with app.app_context():
        assert db.session.get(Suggestion, item_id).status == Status.ANSWERED

    page.goto("/track")
    page.fill("#code", code)
    page.get_by_role("button", name="查看").click()
    assert page.get_by_text("我们会在下周五之前换上新的秋千链子。").is_visible()
    assert page.get_by_text("城市管理局已经开始处理了。").is_visible()
    page.locator("label.face-basically").click()
    page.get_by_role("button", name="提交评价").click()
    shot(page, "12-child-rated-768x1024")
    with app.app_context():
        s = db.session.get(Suggestion, item_id)
        assert (s.status, s.rating) == (Status.CLOSED, "basically")
