"""Tablets that know where they are: register in the console, set up with a one-time code,
submissions carry the area and place, staff see the tablet, revoke."""

import re
from datetime import timedelta

import pytest
from helpers import PASSWORD
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import StaffUser, Suggestion, Tablet, utcnow
from webapp.services import errors, staff, suggestions, tablets

SCHOOL = "xinghe.chengguan.binjiang"  # an area of the demo directory
OTHER_AREA = "xinghe.qingshi.liuwan"


def login(client, email):
    return client.post("/staff/login", data={"email": email, "password": PASSWORD})


@pytest.fixture
def coordinator(client, make_staff):
    make_staff("coord", "coordinator")
    login(client, "coordinator.coord@city.example")
    return client


def register(client, label="实验小学三楼图书角", area=SCHOOL, place="三楼图书角") -> str:
    page = client.post("/staff/tablets", data={"label": label, "area": area, "place": place})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    link = re.search(r'href="(http://[^"]+/kiosk/setup\?code=[A-Z0-9]+)"', html).group(1)
    code = re.search(r'<strong class="code">(\w{4}) (\w{4})</strong>', html)
    assert link.endswith(code.group(1) + code.group(2))
    return code.group(1) + code.group(2)


def set_up(client, code):
    return client.post("/kiosk/setup", data={"code": code})


def cookie_of(response, name):
    header = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert header, f"no {name} cookie"
    return header[0]


def test_tablet_end_to_end(coordinator, app):
    code = register(coordinator)
    with app.app_context():
        tablet = db.session.scalar(select(Tablet))
        assert tablet.setup_hash and code not in (tablet.setup_hash, tablet.label)
        assert tablet.token_hash is None and tablet.registered_at is None

    # On the tablet (another browser): the setup link shows the form filled in.
    device = app.test_client()
    form = device.get(f"/kiosk/setup?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in form and "设置这台平板" in form
    response = set_up(device, code.lower())
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    cookie = cookie_of(response, tablets.COOKIE)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=315360000" in cookie
    assert "kiosk=1" in cookie_of(response, "kiosk")  # the tablet is now a kiosk
    token = re.match(rf"{tablets.COOKIE}=([^;]+)", cookie).group(1)
    assert len(token) >= 40

    with app.app_context():
        tablet = tablets.from_cookie(token)
        assert tablet is not None and tablet.token_hash != token and tablet.setup_hash is None
        # The submission carries the tablet's area and place...
        s = suggestions.create_suggestion(
            text="我们学校门口的斑马线看不清了", kind="problem", channel="web", tablet=tablet
        ).suggestion
        assert (s.area.code, s.place, s.tablet_id) == (SCHOOL, "三楼图书角", tablet.id)
        # ...unless the child chose another area; a place of their own wins too.
        other = suggestions.create_suggestion(
            text="刘湾村的路灯坏了",
            kind="problem",
            channel="web",
            tablet=tablet,
            area_code=OTHER_AREA,
        ).suggestion
        assert (other.area.code, other.place, other.tablet_id) == (OTHER_AREA, None, tablet.id)
        own = suggestions.create_suggestion(
            text="操场的篮球架歪了", kind="problem", channel="web", tablet=tablet, place="操场"
        ).suggestion
        assert (own.area.code, own.place) == (SCHOOL, "操场")
        db.session.commit()
        item = s.id

    # Staff see which tablet sent it, on the item page and in the API.
    page = coordinator.get(f"/staff/items/{item}").get_data(as_text=True)
    assert 'id="tablet"' in page and "实验小学三楼图书角" in page and "三楼图书角" in page
    token_api = coordinator.post(
        "/api/v1/staff/token",
        json={"email": "coordinator.coord@city.example", "password": PASSWORD},
    ).get_json()["token"]
    detail = coordinator.get(
        f"/api/v1/staff/items/{item}", headers={"Authorization": f"Bearer {token_api}"}
    ).get_json()
    assert detail["tablet"] == {
        "label": "实验小学三楼图书角",
        "area": SCHOOL,
        "area_name": detail["tablet"]["area_name"],
        "place": "三楼图书角",
        "revoked": False,
    }

    # The code worked once.
    again = set_up(app.test_client(), code)
    assert again.status_code == 400 and "设置码不对或已过期" in again.get_data(as_text=True)

    # Revoked in the console: the cookie no longer counts.
    with app.app_context():
        tablet_id = db.session.scalar(select(Tablet.id))
    assert coordinator.post(f"/staff/tablets/{tablet_id}/revoke").status_code == 302
    listing = coordinator.get("/staff/tablets").get_data(as_text=True)
    assert "已停用" in listing and "新的设置码" not in listing
    with app.app_context():
        assert tablets.from_cookie(token) is None
        revoked = db.session.get(Tablet, tablet_id)
        s = suggestions.create_suggestion(
            text="图书角的灯坏了", kind="problem", channel="web", tablet=revoked
        ).suggestion
        assert s.tablet_id is None and s.area_id is None
        with pytest.raises(tablets.TabletRevoked):
            tablets.new_setup_code(_coordinator(), tablet_id)


def _coordinator():
    return db.session.scalar(select(StaffUser).where(StaffUser.role == "coordinator"))


def test_setup_codes_expire_can_be_renewed_and_are_limited(coordinator, app):
    code = register(coordinator)
    with app.app_context():
        tablet = db.session.scalar(select(Tablet))
        tablet.setup_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        tablet_id = tablet.id
    assert set_up(app.test_client(), code).status_code == 400
    renewed = coordinator.post(f"/staff/tablets/{tablet_id}/code").get_data(as_text=True)
    fresh = "".join(re.search(r'<strong class="code">(\w{4}) (\w{4})</strong>', renewed).groups())
    assert fresh != code
    assert set_up(app.test_client(), code).status_code == 400  # the old code is void
    assert set_up(app.test_client(), fresh).status_code == 302

    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "10.0.0.9"  # a client with no failures yet
    for _ in range(tablets.SETUP_FAILURES_PER_WINDOW):
        assert set_up(guesser, "ABCD2345").status_code == 400
    limited = set_up(guesser, fresh)
    assert limited.status_code == 429 and "试了太多次" in limited.get_data(as_text=True)


@pytest.mark.parametrize("code", ["", " ", "字" * 500, "A" * 17, "<script>", "ABCD-2345"])
def test_setup_refuses_any_shape_of_bad_code_kindly(client, code):
    response = set_up(client, code)
    assert response.status_code == 400
    assert "设置码不对或已过期" in response.get_data(as_text=True)
    assert tablets.COOKIE not in response.headers.get("Set-Cookie", "")


def test_from_cookie_refuses_forged_values(ctx):
    for value in (None, "", "x" * 500, 42, "forged-token"):
        assert tablets.from_cookie(value) is None


def test_tablet_rules(ctx):
    user = staff.create_staff("c@coord.example", PASSWORD, "coord", "coordinator")
    agency_staff = staff.create_staff("u@urban.example", PASSWORD, "urban", "staff")
    with pytest.raises(errors.NotAllowed):
        tablets.register(agency_staff, "平板", SCHOOL)
    with pytest.raises(tablets.LabelRequired):
        tablets.register(user, "  ", SCHOOL)
    with pytest.raises(tablets.LabelTooLong):
        tablets.register(user, "长" * 81, SCHOOL)
    with pytest.raises(errors.UnknownArea):
        tablets.register(user, "平板", "nowhere")
    with pytest.raises(errors.PlaceTooLong):
        tablets.register(user, "平板", SCHOOL, "地" * 201)
    with pytest.raises(tablets.TabletNotFound):
        tablets.revoke(user, 999999)
    tablet, code = tablets.register(user, "图书馆一楼", SCHOOL)
    assert len(code) == 8 and tablet.place is None


def test_tablet_pages_are_the_coordinators(client, make_staff):
    make_staff("urban", "staff")
    login(client, "staff.urban@city.example")
    assert client.get("/staff/tablets").status_code == 403
    assert client.post("/staff/tablets", data={"label": "x", "area": SCHOOL}).status_code == 403
    assert client.post("/staff/tablets/1/revoke").status_code == 403


def test_register_refusal_shows_the_reason(coordinator):
    page = coordinator.post("/staff/tablets", data={"label": "", "area": SCHOOL})
    assert page.status_code == 400 and "请给平板起一个工作人员认得出的名字" in page.get_data(
        as_text=True
    )
    assert coordinator.post("/staff/tablets/999/code", follow_redirects=True).status_code == 200


def test_staff_item_of_an_urgent_tablet_item_shows_where(coordinator, app):
    with app.app_context():
        user = _coordinator()
        tablet, code = tablets.register(user, "滨江儿童之家平板", SCHOOL, "活动室")
        tablet, token = tablets.set_up(code, "client")
        s = suggestions.create_suggestion(
            text="我表妹放学没回家，电话手表也关机了，已经四个小时了",
            kind="problem",
            channel="web",
            tablet=tablet,
        ).suggestion
        db.session.commit()
        assert s.urgent
        item = s.id
    board = coordinator.get("/staff/?view=urgent").get_data(as_text=True)
    assert "滨江儿童之家平板" in board and "活动室" in board
    page = coordinator.get(f"/staff/items/{item}").get_data(as_text=True)
    assert "滨江儿童之家平板" in page
    with app.app_context():
        assert db.session.get(Suggestion, item).tablet.label == "滨江儿童之家平板"
