"""Staff routing corrections become corpus lines the moderation trainer reads."""

import json

from helpers import PASSWORD
from moderation import model
from webapp.extensions import db
from webapp.services import casework, staff, suggestions


def corrected_and_answered(text: str, wrong: str, right: str, users) -> int:
    """An item routed to `wrong`, transferred to `right`, answered there."""
    s = suggestions.create_suggestion(text=text, kind="problem", channel="web").suggestion
    if s.agency.code != wrong:
        casework.place_in_queue(s, casework.agency_by_code(wrong))
    casework.transfer(users[wrong], s, right, "这是学校的事")
    casework.answer(users[right], s, decision="yes", why="我们来改", next_steps="下周")
    return s.id


def make_users():
    return {
        code: staff.create_staff(f"{code}@city.example", PASSWORD, code, "staff")
        for code in ("urban", "edu", "police")
    }


def test_export_writes_the_answering_agency_and_only_redacted_text(runner, app, tmp_path):
    with app.app_context():
        users = make_users()
        corrected_and_answered("学校操场的篮球架歪了，电话13812345678", "urban", "edu", users)
        transferred_only = suggestions.create_suggestion(
            text="学校门口的路灯不亮", kind="problem", channel="web").suggestion
        if transferred_only.agency.code != "urban":
            casework.place_in_queue(transferred_only, casework.agency_by_code("urban"))
        casework.transfer(users["urban"], transferred_only, "edu", "学校的事")  # not answered yet
        plain = suggestions.create_suggestion(text="公园的秋千坏了", kind="problem",
                                              channel="web").suggestion
        if plain.agency.code != "urban":
            casework.place_in_queue(plain, casework.agency_by_code("urban"))
        casework.answer(users["urban"], plain, decision="yes", why="会修", next_steps="周五")
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
        urgent = suggestions.create_suggestion(
            text="我妹妹放学到现在都没回来，电话手表也关机了", kind="problem", channel="web").suggestion
        assert urgent.urgent
        if urgent.agency.code != "edu":
            casework.place_in_queue(urgent, casework.agency_by_code("edu"))
        casework.transfer(users["edu"], urgent, "police", "走失找警察")
        casework.answer(users["police"], urgent, decision="yes", why="已出警", next_steps="联系家长")
        corrected_and_answered("学校操场的篮球架歪了", "urban", "edu", users)
        db.session.commit()

    assert runner.invoke(args=["export-corrections"]).stdout.count("\n") == 1
    later = runner.invoke(args=["export-corrections", "--since", "2999-01-01"])
    assert later.exit_code == 0 and later.stdout == ""
