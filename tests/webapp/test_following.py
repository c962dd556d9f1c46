"""The tracking page shows how many chats follow a message, and the child can stop them all."""

import re

from helpers import answer_as_coordinator
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Event, Outbox, Subscription, Suggestion
from webapp.services import following, guardians

CODE = re.compile(r'<p class="code" id="code">([^<]+)</p>')


def send(client) -> str:
    html = client.post(
        "/say/problem",
        data={
            "text": "学校门口的路灯不亮了，晚上回家好黑",
            "age_band": "9-11",
            "area": "",
            "place": "",
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    return CODE.search(html).group(1)


def followed_by(app, code, *chats) -> int:
    """Guardian chats follow the code through the bot's service, as /follow does."""
    with app.app_context():
        for chat in chats:
            guardians.follow(guardians.give_consent(chat), code, f"chat-{chat}")
        db.session.commit()
        return db.session.scalar(select(Suggestion.id))


def subscriptions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Subscription))


def test_the_child_sees_the_followers_and_stops_them(client, app):
    code = send(client)
    assert 'id="followers"' not in client.post("/track", data={"code": code}).get_data(as_text=True)
    item = followed_by(app, code, 1001, 1002)
    page = client.post("/track", data={"code": code}).get_data(as_text=True)
    assert "会收到这条消息进展的聊天：2 个" in page and "不让别人再收到这条的消息" in page

    stopped = client.post("/track/stop-following", data={"code": code})
    html = stopped.get_data(as_text=True)
    assert stopped.status_code == 200 and stopped.headers["Cache-Control"] == "no-store"
    assert "现在没有任何聊天会再收到这条消息的进展了" in html and 'id="followers"' not in html
    assert subscriptions(app) == 0
    with app.app_context():
        (event,) = db.session.scalars(select(Event).where(Event.action == "followers_stopped"))
        assert event.actor == "child" and event.detail == {"count": 2}
        answer_as_coordinator(db.session.get(Suggestion, item), "yes", "路灯会修", "本周修好")
        db.session.commit()
        # The answer reaches no chat any more.
        assert (
            db.session.scalar(
                select(func.count()).select_from(Outbox).where(Outbox.channel == "telegram")
            )
            == 0
        )


def test_stopping_needs_the_code_and_is_harmless_twice(client, app):
    code = send(client)
    assert client.post("/track/stop-following", data={}).status_code in (400, 404)
    wrong = client.post("/track/stop-following", data={"code": "熊猫 苹果 0000"})
    assert wrong.status_code == 404 and "没有找到这个查询码" in wrong.get_data(as_text=True)
    assert client.post("/track/stop-following", data={"code": code}).status_code == 200
    with app.app_context():  # nobody was following: nothing changed, no event
        assert (
            db.session.scalar(
                select(func.count()).select_from(Event).where(Event.action == "followers_stopped")
            )
            == 0
        )


def test_count_and_stop_all(ctx, app):
    from webapp.services import suggestions

    created = suggestions.create_suggestion(
        text="希望图书馆周末开到晚上", kind="idea", channel="web"
    )
    s = created.suggestion
    for chat in (7, 8, 9):
        guardians.follow(guardians.give_consent(chat), created.code, "client")
    assert following.count(s) == 3
    assert following.stop_all(s, "child") == 3
    assert following.count(s) == 0 and s.subscriptions == []
    assert following.stop_all(s, "child") == 0
