"""The staff JSON API with bearer tokens."""

import pytest
from helpers import PASSWORD

from webapp.extensions import db
from webapp.services import casework, suggestions


def new_item(app, agency="urban", text="公园的秋千坏了") -> int:
    with app.app_context():
        s = suggestions.create_suggestion(text=text, kind="problem", channel="web").suggestion
        casework.place_in_queue(s, casework.agency_by_code(agency))
        db.session.commit()
        return s.id


def token_for(client, email) -> dict:
    response = client.post("/api/v1/staff/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def auth(client, make_staff):
    make_staff("urban", "staff")
    make_staff("edu", "staff")
    return {
        "urban": token_for(client, "staff.urban@city.example"),
        "edu": token_for(client, "staff.edu@city.example"),
    }


def test_token_refusals(client, make_staff):
    make_staff("urban", "staff")
    bad = client.post(
        "/api/v1/staff/token", json={"email": "staff.urban@city.example", "password": "nope"}
    )
    assert bad.status_code == 401 and bad.get_json()["error"] == "login_failed"
    assert client.post("/api/v1/staff/token", data="x").status_code == 400
    assert client.get("/api/v1/staff/queue").status_code == 401
    assert (
        client.get("/api/v1/staff/queue", headers={"Authorization": "Bearer forged"}).status_code
        == 401
    )


def test_queue_item_accept_answer(client, app, auth):
    item = new_item(app)
    queue = client.get("/api/v1/staff/queue", headers=auth["urban"]).get_json()
    assert [i["id"] for i in queue["items"]] == [item] and queue["next"] is None
    detail = client.get(f"/api/v1/staff/items/{item}", headers=auth["urban"]).get_json()
    assert detail["status"] == "routed" and "code" not in detail and detail["history"]
    accepted = client.post(f"/api/v1/staff/items/{item}/accept", headers=auth["urban"])
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    answered = client.post(
        f"/api/v1/staff/items/{item}/answer",
        headers=auth["urban"],
        json={"decision": "partly", "why": "先修一个", "next": "下周修另一个"},
    )
    assert answered.get_json()["status"] == "answered"
    assert answered.get_json()["answers"][0]["next"] == "下周修另一个"


def test_answer_refusals(client, app, auth):
    item = new_item(app)
    response = client.post(
        f"/api/v1/staff/items/{item}/answer",
        headers=auth["urban"],
        json={"decision": "later", "why": "x", "next": "y"},
    )
    assert response.status_code == 400 and response.get_json()["error"] == "unknown_decision"
    response = client.post(
        f"/api/v1/staff/items/{item}/answer", headers=auth["urban"], json={"why": 3}
    )
    assert response.status_code == 400


def test_transfer_and_return(client, app, auth):
    item = new_item(app)
    moved = client.post(
        f"/api/v1/staff/items/{item}/transfer",
        headers=auth["urban"],
        json={"agency": "edu", "reason": "是学校的事"},
    )
    assert moved.get_json() == {"id": item, "status": "transferred", "agency": "edu"}
    assert client.get(f"/api/v1/staff/items/{item}", headers=auth["urban"]).status_code == 404
    returned = client.post(
        f"/api/v1/staff/items/{item}/return", headers=auth["edu"], json={"reason": "也不是我们的"}
    )
    assert returned.get_json()["agency"] == "coord"
    assert (
        client.post(
            f"/api/v1/staff/items/{item}/return", headers=auth["edu"], json={"reason": "x"}
        ).status_code
        == 404
    )


def test_other_agency_gets_404(client, app, auth):
    item = new_item(app, agency="edu")
    assert client.get(f"/api/v1/staff/items/{item}", headers=auth["urban"]).status_code == 404
    assert (
        client.post(f"/api/v1/staff/items/{item}/accept", headers=auth["urban"]).status_code == 404
    )
    assert client.get(f"/api/v1/staff/items/{item}", headers=auth["edu"]).status_code == 200


def test_queue_pages(client, app, auth):
    ids = [new_item(app, text=f"第{i}个问题") for i in range(5)]
    seen, after = [], None
    while True:
        page = client.get(
            "/api/v1/staff/queue",
            headers=auth["urban"],
            query_string={"limit": 2, **({"after": after} if after else {})},
        ).get_json()
        seen += [i["id"] for i in page["items"]]
        after = page["next"]
        if not after:
            break
    assert sorted(seen) == ids and len(seen) == 5
