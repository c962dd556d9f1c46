"""The children's pages through the Flask test client."""

import io
import re

import pytest
from helpers import answer_as_coordinator
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Photo, Status, Suggestion

CODE = re.compile(r'<p class="code" id="code">([^<]+)</p>')


def submit(client, kind="idea", **fields):
    data = {"text": "希望学校门口多一些座椅", "age_band": "9-11", "area": "", "place": ""}
    data.update(fields)
    return client.post(f"/say/{kind}", data=data, content_type="multipart/form-data")


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Suggestion))


def test_start_page_offers_three_kinds_in_chinese(client):
    html = client.get("/").get_data(as_text=True)
    assert "我有一个想法" in html and "我发现一个问题" in html and "我想说谢谢" in html
    assert 'lang="zh-Hans"' in html
    assert "http://" not in html and "https://" not in html  # nothing from the internet


@pytest.mark.parametrize("kind", ["idea", "problem", "thanks"])
def test_form_pages(client, kind):
    html = client.get(f"/say/{kind}").get_data(as_text=True)
    assert "请不要写你的名字、电话号码和家庭住址" in html
    assert "城关街道" in html  # the area picker comes from the directory


def test_unknown_kind_is_404(client):
    assert client.get("/say/complaint").status_code == 404


def test_submit_shows_a_code_that_finds_the_suggestion(client, app):
    response = submit(client, area="xinghe.qingshi.liuwan", place="村口小桥")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = CODE.search(html).group(1)
    assert re.fullmatch(r"\S{2} \S{2} \d{4}", code)

    lookup = client.post("/track", data={"code": code}).get_data(as_text=True)
    assert "希望学校门口多一些座椅" in lookup
    assert "我们收到了你的话" in lookup
    assert stored(app) == 1


def test_photo_upload_is_stored_without_metadata(client, app, image_bytes):
    response = submit(client, photo=(io.BytesIO(image_bytes("WEBP")), "x.webp"))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Photo.mime_type)) == "image/jpeg"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": ""}, "请先写几句话吧"),
        ({"text": "字" * 2001}, "2000 个字以内"),
        ({"age_band": "forty"}, "请从列表里选你的年龄"),
        ({"photo": (io.BytesIO(b"GIF89a not really"), "cat.gif")}, "请选一张照片"),
        ({"photo": (io.BytesIO(b"\xff\xd8\xff\xe0broken"), "broken.jpg")}, "请选一张照片"),
    ],
)
def test_bad_input_gets_a_kind_message_and_stores_nothing(client, app, fields, message):
    response = submit(client, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(app) == 0


def test_20_mb_upload_is_refused_kindly(client, app):
    big = io.BytesIO(b"\xff\xd8" + b"\x00" * (20 * 1024 * 1024))
    response = submit(client, photo=(big, "huge.jpg"))
    assert response.status_code == 413
    assert "这张图片太大了" in response.get_data(as_text=True)
    assert stored(app) == 0


def test_html_in_text_is_shown_escaped(client):
    html = submit(client, text="<script>alert(1)</script><b>坏</b>").get_data(as_text=True)
    code = CODE.search(html).group(1)
    page = client.post("/track", data={"code": code}).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_wrong_code_gets_a_friendly_message(client):
    response = client.post("/track", data={"code": "熊猫 苹果 0000"})
    assert response.status_code == 404
    assert "没有找到这个查询码" in response.get_data(as_text=True)


def test_lookups_are_rate_limited(client, app):
    for _ in range(app.config["LOOKUP_FAILURES_PER_WINDOW"]):
        client.post("/track", data={"code": "熊猫 苹果 0000"})
    response = client.post("/track", data={"code": "熊猫 苹果 0001"})
    assert response.status_code == 429
    assert "试了太多次啦" in response.get_data(as_text=True)


def test_answer_and_rating_on_the_tracking_page(client, app):
    code = CODE.search(submit(client).get_data(as_text=True)).group(1)
    with app.app_context():
        s = db.session.scalar(select(Suggestion))
        answer_as_coordinator(s, "partly", "座椅要先量尺寸", "下个月装两张")
        db.session.commit()
    page = client.post("/track", data={"code": code}).get_data(as_text=True)
    assert "可以做一部分" in page and "座椅要先量尺寸" in page and "下个月装两张" in page
    assert "满意" in page and "基本满意" in page and "不满意" in page

    rated = client.post(
        "/track/rate", data={"code": code, "rating": "unsatisfied", "comment": "太慢"}
    )
    assert "谢谢你告诉我们你的想法" in rated.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Suggestion.status)) == Status.REOPENED


def test_kiosk_mode_sets_idle_return(client):
    client.get("/kiosk/on")
    html = client.get("/say/idea").get_data(as_text=True)
    assert 'data-kiosk="1"' in html and 'data-idle-seconds="180"' in html
    client.get("/kiosk/off")
    assert "data-kiosk" not in client.get("/say/idea").get_data(as_text=True)


def test_security_headers(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_child_may_keep_a_suggestion_private(client, app):
    submit(client, public="")  # checkbox left unticked
    submit(client, public="y")
    with app.app_context():
        assert sorted(db.session.scalars(select(Suggestion.public)).all()) == [False, True]
