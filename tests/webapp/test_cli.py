"""The commands a city runs and a scheduler calls."""

from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Event, StaffUser, Suggestion, utcnow
from webapp.services import suggestions


def test_create_staff(runner, app):
    result = runner.invoke(
        args=[
            "create-staff",
            "--email",
            "Li@City.example",
            "--password",
            "a-long-enough-password",
            "--agency",
            "edu",
            "--role",
            "agency_admin",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(StaffUser))
        assert (user.email, user.role, user.agency.code) == (
            "li@city.example",
            "agency_admin",
            "edu",
        )
        assert "a-long-enough-password" not in user.password_hash
    short = runner.invoke(
        args=["create-staff", "--email", "x@city.example", "--password", "short", "--agency", "edu"]
    )
    assert short.exit_code != 0 and "至少 12 位" in short.output
    unknown = runner.invoke(
        args=[
            "create-staff",
            "--email",
            "x@city.example",
            "--password",
            "a-long-enough-password",
            "--agency",
            "mars",
        ]
    )
    assert unknown.exit_code != 0


def overdue_item(app) -> int:
    with app.app_context():
        s = suggestions.create_suggestion(
            text="公园的灯坏了", kind="problem", channel="web"
        ).suggestion
        s.due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        return s.id


def test_escalate_overdue_command(runner, app):
    item = overdue_item(app)
    assert "escalated 1" in runner.invoke(args=["escalate-overdue"]).output
    assert "escalated 0" in runner.invoke(args=["escalate-overdue"]).output
    with app.app_context():
        assert "escalated" in actions(item)


def actions(item: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Event.action).where(Event.suggestion_id == item).order_by(Event.id)
        )
    )


def test_worker_round_retries_analysis_and_escalates(runner, app, monkeypatch):
    import moderation

    item = overdue_item(app)
    monkeypatch.setattr(moderation, "analyse", lambda text: 1 / 0)  # analysis fails: item waits
    with app.app_context():
        waiting = suggestions.create_suggestion(
            text="图书馆要多开门", kind="idea", channel="web"
        ).suggestion
        db.session.commit()
        waiting_id = waiting.id
    monkeypatch.undo()
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Suggestion, waiting_id).status == "routed"
        assert "escalated" in actions(item)


def test_classify_reads_json_lines_and_survives_a_bad_one(runner):
    import json

    lines = (
        "\n".join(
            [
                json.dumps(
                    {"id": "a", "text": "公交车站没有遮雨棚，下雨天全身都湿了"}, ensure_ascii=False
                ),
                "this is not json",
                json.dumps({"id": "c", "text": 42}),
                json.dumps({"id": "d", "text": "我现在在天台上，不想活了"}, ensure_ascii=False),
            ]
        )
        + "\n"
    )
    result = runner.invoke(args=["classify"], input=lines)
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "c", "d"]
    assert "error" in out[1] and "error" in out[2]
    assert set(out[0]) >= {
        "agency",
        "agencies_top3",
        "sentiment",
        "urgent",
        "confidence",
        "topic",
        "keywords",
    }
    assert out[0]["agency"] == "transport" and out[3]["urgent"] is True
