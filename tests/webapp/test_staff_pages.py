"""The staff console through the test client: login, access, actions, CSRF."""

import re

import pytest
from helpers import PASSWORD
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Event, Status, Suggestion
from webapp.services import casework, suggestions


def new_item(app, agency="urban", text="滨江公园的路灯坏了，晚上好黑，我叫李小花") -> int:
    with app.app_context():
        s = suggestions.create_suggestion(text=text, kind="problem", channel="web").suggestion
        casework.place_in_queue(s, casework.agency_by_code(agency))
        db.session.commit()
        return s.id


def login(client, email, password=PASSWORD):
    return client.post("/staff/login", data={"email": email, "password": password})


@pytest.fixture
def urban(client, make_staff):
    make_staff("urban", "staff")
    login(client, "staff.urban@city.example")
    return client


def test_everything_needs_a_login(client, app):
    item = new_item(app)
    for path in ("/staff/", f"/staff/items/{item}", "/staff/photos/1"):
        response = client.get(path)
        assert response.status_code == 401 and "工作人员登录" in response.get_data(as_text=True)
    assert client.post(f"/staff/items/{item}/accept").status_code == 401
    with app.app_context():
        assert db.session.get(Suggestion, item).status == Status.ROUTED


def test_login_and_queue(urban, app):
    item = new_item(app)
    html = urban.get("/staff/").get_data(as_text=True)
    assert f"/staff/items/{item}" in html
    assert "滨江公园的路灯坏了" in html
    assert "李小花" not in html  # names are redacted in the queue


def test_wrong_password_then_throttled(client, make_staff):
    make_staff("urban", "staff")
    for _ in range(5):
        response = login(client, "staff.urban@city.example", "wrong password!!")
        assert response.status_code == 401 and "邮箱或密码不对" in response.get_data(as_text=True)
    response = login(client, "staff.urban@city.example")  # even the right password now waits
    assert response.status_code == 401 and "登录失败次数太多" in response.get_data(as_text=True)


def test_session_cookie_flags(client, make_staff, app):
    make_staff("urban", "staff")
    response = login(client, "staff.urban@city.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # tests run over http; production is secure
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_other_agencys_item_is_404(urban, app):
    item = new_item(app, agency="edu")
    assert urban.get(f"/staff/items/{item}").status_code == 404
    assert urban.post(f"/staff/items/{item}/accept").status_code == 404
    assert f"/staff/items/{item}" not in urban.get("/staff/").get_data(as_text=True)


def test_accept_and_answer_through_the_forms(urban, app):
    item = new_item(app)
    page = urban.get(f"/staff/items/{item}").get_data(as_text=True)
    assert "采纳，会去做" in page  # a reply template
    urban.post(f"/staff/items/{item}/accept")
    response = urban.post(
        f"/staff/items/{item}/answer",
        data={"decision": "yes", "why": "路灯关系到安全", "next_steps": "明天修好"},
    )
    assert response.status_code == 302
    with app.app_context():
        s = db.session.get(Suggestion, item)
        assert s.status == Status.ANSWERED and s.replies[0].next_steps == "明天修好"


def test_refused_action_shows_the_reason_and_changes_nothing(urban, app):
    item = new_item(app)
    response = urban.post(
        f"/staff/items/{item}/answer",
        data={"decision": "yes", "why": "", "next_steps": ""},
        follow_redirects=True,
    )
    assert "请说明原因，以及接下来做什么、什么时候做" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Suggestion, item).status == Status.ROUTED


def test_transfer_away_leaves_my_queue(urban, app):
    item = new_item(app)
    response = urban.post(
        f"/staff/items/{item}/transfer", data={"agency": "edu", "reason": "学校的事"}
    )
    assert response.headers["Location"].endswith("/staff/")
    assert urban.get(f"/staff/items/{item}").status_code == 404


def test_staff_cannot_use_coordinator_actions(urban, app):
    item = new_item(app)
    response = urban.post(
        f"/staff/items/{item}/reroute", data={"agency": "edu", "reason": "x"}, follow_redirects=True
    )
    assert "只有协调办可以这样做" in response.get_data(as_text=True)


def test_reveal_shows_original_and_is_audited(urban, app):
    item = new_item(app)
    page = urban.get(f"/staff/items/{item}").get_data(as_text=True)
    assert "李小花" not in page
    revealed = urban.post(f"/staff/items/{item}/reveal")
    assert "李小花" in revealed.get_data(as_text=True)
    assert revealed.headers["Cache-Control"] == "no-store"
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.action == "revealed")).one()
        assert event.actor.startswith("staff:")


def test_csrf_is_refused(urban, app):
    item = new_item(app)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = urban.post(f"/staff/items/{item}/accept")
        assert response.status_code == 400
        page = urban.get(f"/staff/items/{item}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert (
            urban.post(f"/staff/items/{item}/accept", data={"csrf_token": token}).status_code == 302
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        assert db.session.get(Suggestion, item).status == Status.ACCEPTED


def test_coordinator_views(client, make_staff, app):
    make_staff("coord", "coordinator")
    login(client, "coordinator.coord@city.example")
    triaged = new_item(app, agency="coord", text="我有好几个想法不知道交给谁")
    new_item(app, agency="edu", text="学校厕所太少")
    triage = client.get("/staff/?view=triage").get_data(as_text=True)
    assert f"/staff/items/{triaged}" in triage and "学校厕所太少" not in triage
    everything = client.get("/staff/").get_data(as_text=True)
    assert "学校厕所太少" in everything
    client.post(f"/staff/items/{triaged}/reroute", data={"agency": "civil", "reason": ""})
    with app.app_context():
        assert db.session.get(Suggestion, triaged).agency.code == "civil"


def test_logout(urban):
    urban.post("/staff/logout")
    assert urban.get("/staff/").status_code == 401


def test_login_returns_to_the_page_asked_for(client, make_staff, app):
    item = new_item(app)
    make_staff("urban", "staff")
    page = client.get(f"/staff/items/{item}").get_data(as_text=True)
    assert f"next=/staff/items/{item}" in page
    response = client.post(
        f"/staff/login?next=/staff/items/{item}",
        data={"email": "staff.urban@city.example", "password": PASSWORD},
    )
    assert response.headers["Location"] == f"/staff/items/{item}"
    evil = client.post(
        "/staff/login?next=https://evil.example/",
        data={"email": "staff.urban@city.example", "password": PASSWORD},
    )
    assert evil.headers["Location"] == "/staff/"


def test_ids_of_any_size_are_simply_not_found(urban):
    big = 10**30
    for path in (f"/staff/items/{big}", f"/staff/items/{big}/ack", f"/staff/photos/{big}"):
        assert urban.get(path).status_code == 404
    assert urban.post(f"/staff/items/{big}/accept").status_code == 404
