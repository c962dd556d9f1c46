"""The JSON API round trip and its refusals."""

import pytest
from helpers import answer_as_coordinator
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Suggestion


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Suggestion))


def post(client, **body):
    payload = {
        "text": "公交车站没有遮雨棚，下雨天等车全身都湿了",
        "kind": "problem",
        "age_band": "12-14",
        "area": "xinghe.chengguan",
        "place": "3路车站",
    }
    payload.update(body)
    return client.post("/api/v1/suggestions", json=payload)


def test_round_trip(client, app):
    response = post(client)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"code", "status", "agency", "urgent", "danger", "help"}
    assert body["status"] == "routed" and isinstance(body["urgent"], bool)
    assert body["danger"] == "none" and body["help"] is None  # a bus stop: no help box

    shown = client.get(f"/api/v1/suggestions/{body['code']}").get_json()
    assert shown["status"] == "routed"
    assert shown["agency"]  # the agency's name
    assert [step["text"] for step in shown["timeline"]][0].startswith("我们收到了你的话")
    assert shown["answer"] is None and shown["can_rate"] is False

    refused = client.post(
        f"/api/v1/suggestions/{body['code']}/rating", json={"rating": "satisfied"}
    )
    assert refused.status_code == 409

    with app.app_context():
        s = db.session.scalar(select(Suggestion))
        answer_as_coordinator(s, "yes", "下雨天孩子会淋湿", "月底前装好雨棚")
        db.session.commit()
    shown = client.get(f"/api/v1/suggestions/{body['code']}").get_json()
    assert shown["answer"]["decision"] == "yes" and shown["can_rate"] is True

    rated = client.post(
        f"/api/v1/suggestions/{body['code']}/rating",
        json={"rating": "basically", "comment": "希望快一点"},
    )
    assert rated.status_code == 200 and rated.get_json() == {
        "status": "closed",
        "rating": "basically",
    }


@pytest.mark.parametrize(
    ("send", "error"),
    [
        ({"data": "{not json", "content_type": "application/json"}, "bad_request"),
        ({"json": ["a", "list"]}, "bad_request"),
        ({"json": {"text": "", "kind": "idea"}}, "empty_text"),
        ({"json": {"text": "字" * 2001, "kind": "idea"}}, "text_too_long"),
        ({"json": {"text": "你好", "kind": "rant"}}, "unknown_kind"),
        ({"json": {"text": 12, "kind": "idea"}}, "bad_request"),
        ({"json": {"text": "你好", "kind": "idea", "area": "moon"}}, "unknown_area"),
    ],
)
def test_bad_requests_are_400_and_store_nothing(client, app, send, error):
    response = client.post("/api/v1/suggestions", **send)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == error and body["message"]
    assert stored(app) == 0


def test_unknown_code_is_404_json(client):
    response = client.get("/api/v1/suggestions/熊猫苹果0000")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_bad_rating(client):
    code = post(client).get_json()["code"]
    response = client.post(f"/api/v1/suggestions/{code}/rating", json={"rating": "wow"})
    assert response.status_code == 400 and response.get_json()["error"] == "unknown_rating"


def test_code_is_kept_out_of_access_logs():
    import logging

    from webapp.web import RedactCodeInPath

    record = logging.LogRecord(
        "werkzeug",
        20,
        "",
        0,
        '"%s" %s',
        ("GET /api/v1/suggestions/熊猫苹果1234 HTTP/1.1", 200),
        None,
    )
    RedactCodeInPath().filter(record)
    assert "熊猫苹果1234" not in record.getMessage()
