"""A child on a tablet: say something, copy the code, come back, read the answer, rate it."""

import re

import pytest
from helpers import answer_as_coordinator
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Status, Suggestion

from .conftest import LANDSCAPE

pytestmark = pytest.mark.browser


def touch_targets_too_small(page) -> list[str]:
    # Radio buttons and checkboxes sit inside big labels (pill, face): the label is the target.
    selector = (
        "a, button, select, textarea, "
        "input:not([type=radio]):not([type=checkbox]):not([type=hidden]), "
        "label.pill, label.face"
    )
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
        .filter(e => e.offsetParent !== null)
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, r]) => r.width < 44 || r.height < 44)
        .map(([e, r]) => e.outerHTML.slice(0, 80) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""",  # noqa: E501
        selector,
    )


def test_child_flow(page, shot, app, image_bytes, tmp_path):
    page.goto("/")
    assert page.locator("h1").inner_text().startswith("你好")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    assert touch_targets_too_small(page) == []
    shot(page, "01-start-768x1024")

    page.get_by_text("我发现一个问题").click()
    page.fill("#text", "学校门口的红绿灯太短了，我们过马路要跑")
    photo = tmp_path / "crossing.png"
    photo.write_bytes(image_bytes("PNG", size=(320, 240)))
    page.set_input_files("#photo", str(photo))
    page.select_option("#area", "xinghe.chengguan.shiyan")
    page.fill("#place", "校门口")
    page.get_by_text("9-11岁").click()
    assert touch_targets_too_small(page) == []
    shot(page, "02-form-768x1024")
    page.get_by_role("button", name="发送").click()

    code = page.locator("#code").inner_text()
    assert re.fullmatch(r"\S{2} \S{2} \d{4}", code)
    assert (
        page.evaluate("parseFloat(getComputedStyle(document.querySelector('#code')).fontSize)")
        >= 40
    )
    shot(page, "03-code-768x1024")

    with app.app_context():
        s = db.session.scalar(select(Suggestion))
        assert s.photos and s.area.name == "城关实验小学"
        answer_as_coordinator(s, "yes", "放学时人很多，要留够时间", "下周起绿灯加长到40秒")
        db.session.commit()

    page.set_viewport_size(LANDSCAPE)
    page.goto("/track")
    page.fill("#code", code.replace(" ", ""))  # children often drop the spaces
    page.get_by_role("button", name="查看").click()
    assert "下周起绿灯加长到40秒" in page.content()
    shot(page, "04-answer-1280x800")
    page.locator("label.face-satisfied").click()
    page.get_by_role("button", name="提交评价").click()
    assert page.get_by_text("谢谢你告诉我们你的想法").is_visible()
    shot(page, "05-rated-1280x800")
    with app.app_context():
        assert db.session.scalar(select(Suggestion.status)) == Status.CLOSED


def test_bad_photo_gets_a_kind_message(page, tmp_path):
    page.goto("/say/idea")
    fake = tmp_path / "notes.png"
    fake.write_bytes(b"this is not a picture")
    page.fill("#text", "希望图书馆周末开到晚上")
    page.set_input_files("#photo", str(fake))
    page.get_by_role("button", name="发送").click()
    assert page.get_by_role("alert").inner_text().startswith("这个文件用不了")
    assert page.locator("#text").input_value() == "希望图书馆周末开到晚上"  # nothing typed is lost


def test_kiosk_returns_to_start_and_forgets(page, app, shot):
    app.config["KIOSK_IDLE_SECONDS"] = 1
    app.config["KIOSK_DONE_SECONDS"] = 2
    try:
        page.goto("/kiosk/on")
        page.goto("/say/idea")
        page.fill("#text", "这句话下一个小朋友不应该看到")
        page.wait_for_url(re.compile(r"/$"), timeout=5000)
        page.goto("/say/thanks")
        assert page.locator("#text").input_value() == ""

        page.fill("#text", "谢谢图书馆的姐姐")
        page.get_by_role("button", name="发送").click()
        assert page.locator("#code").is_visible()
        shot(page, "06-kiosk-code-768x1024")
        page.wait_for_url(re.compile(r"/$"), timeout=6000)
        page.go_back()
        assert page.locator("#code").count() == 0  # the code is not left behind
    finally:
        app.config["KIOSK_IDLE_SECONDS"] = 180
        app.config["KIOSK_DONE_SECONDS"] = 120
