"""Staff routing corrections become corpus lines the moderation trainer reads."""

import json

from helpers import PASSWORD

from moderation import model
from webapp.extensions import db
from webapp.models import Suggestion
from webapp.services import casework, staff, suggestions


def routed_to(agency: str, text: str) -> Suggestion:
    """A suggestion stored and analysed for real, then in `agency`'s queue."""
    s = suggestions.create_suggestion(text=text, kind="problem", channel="web").suggestion
    if s.agency.code != agency:
        casework.place_in_queue(s, casework.agency_by_code(agency))
    return s


def answer(user, s: Suggestion) -> None:
    casework.answer(user, s, decision="yes", why="我们来改", next_steps="下周")


def make_users():
    return {
        code: staff.create_staff(f"{code}@city.example", PASSWORD, code, "staff")
        for code in ("urban", "edu", "police")
    }


def test_export_writes_the_answering_agency_and_only_redacted_text(runner, app, tmp_path):
    with app.app_context():
        users = make_users()
        corrected = routed_to("urban", "学校操场的篮球架歪了，电话13812345678")
        casework.transfer(users["urban"], corrected, "edu", "这是学校的事")
        answer(users["edu"], corrected)
        not_answered_yet = routed_to("urban", "学校门口的路灯不亮")
        casework.transfer(users["urban"], not_answered_yet, "edu", "学校的事")
        answered_where_routed = routed_to("urban", "公园的秋千坏了")
        answer(users["urban"], answered_where_routed)
        db.session.commit()

    result = runner.invoke(args=["export-corrections"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [{"text": "学校操场的篮球架歪了，电话【电话】", "agency": "edu"}]
    assert "13812345678" not in result.output
    assert "exported 1 corrections" in result.stderr

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "corrections.jsonl").write_text(result.stdout, encoding="utf-8")
    [example] = model.load_corpus(corpus)
    assert (example.agency, example.sentiment, example.urgent) == ("edu", None, None)


def test_urgent_items_and_older_corrections_stay_out(runner, app):
    with app.app_context():
        users = make_users()
        urgent = routed_to("edu", "我妹妹放学到现在都没回来，电话手表也关机了")
        assert urgent.urgent
        casework.transfer(users["edu"], urgent, "police", "走失找警察")
        answer(users["police"], urgent)
        corrected = routed_to("urban", "学校操场的篮球架歪了")
        casework.transfer(users["urban"], corrected, "edu", "这是学校的事")
        answer(users["edu"], corrected)
        db.session.commit()

    assert runner.invoke(args=["export-corrections"]).stdout.count("\n") == 1
    later = runner.invoke(args=["export-corrections", "--since", "2999-01-01"])
    assert later.exit_code == 0 and later.stdout == ""
