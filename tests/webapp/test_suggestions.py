"""The suggestion services: store first, then analyse; events; lookups; ratings."""

from dataclasses import replace

import pytest
from helpers import answer_as_coordinator
from sqlalchemy import func, select

import moderation
from webapp.extensions import db
from webapp.models import Agency, Alert, Event, Outbox, Photo, Status, Suggestion
from webapp.services import alerts, errors, rosters, suggestions
from webapp.services.codes import canonical

CLIENT = "127.0.0.1|test"


def create(**overrides):
    fields = {"text": "公园的滑梯坏了，希望快点修好", "kind": "problem", "channel": "web"}
    fields.update(overrides)
    return suggestions.create_suggestion(**fields)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def answer(suggestion, decision="yes"):
    return answer_as_coordinator(suggestion, decision)


def test_create_stores_analyses_and_routes(ctx):
    created = create(age_band="9-11", area_code="xinghe.chengguan.binjiang", place="公园东门")
    s = created.suggestion
    assert s.id and s.status == Status.ROUTED
    assert s.agency is not None and s.analysed_at is not None
    assert s.area.name == "滨江社区" and s.age_band == "9-11"
    assert [(e.action, e.from_status, e.to_status) for e in s.events] == [
        ("received", Status.RECEIVED, Status.RECEIVED),
        ("routed", Status.RECEIVED, Status.ROUTED),
    ]
    assert s.events[1].detail["agency"] == s.agency.code


def test_unsure_analysis_goes_to_the_coordinator_with_top3(ctx, monkeypatch):
    real = moderation.analyse

    def unsure(text):
        return replace(real(text), routed=False, urgent=False, agency="edu")

    monkeypatch.setattr(moderation, "analyse", unsure)
    s = create().suggestion
    assert s.agency.code == "coord"
    assert len(s.suggested_agencies) == 3
    assert s.events[-1].detail["triage"] is True


def test_code_is_never_stored(ctx):
    created = create()
    db.session.commit()
    code = created.code
    rows = db.session.execute(select(Suggestion.__table__)).all()
    events = db.session.execute(select(Event.__table__)).all()
    dump = repr(rows) + repr(events)
    assert code not in dump and canonical(code) not in dump
    assert created.suggestion.code_hash not in (code, canonical(code))


def test_analysis_failure_keeps_the_suggestion_for_a_retry(ctx, monkeypatch):
    def broken(text):
        raise RuntimeError("model not loaded")

    monkeypatch.setattr(moderation, "analyse", broken)
    s = create().suggestion
    db.session.commit()
    assert s.status == Status.RECEIVED and s.analysis_attempts == 1
    assert [e.action for e in s.events] == ["received"]

    monkeypatch.undo()
    assert suggestions.analyse_pending() == 1
    db.session.commit()
    assert s.status == Status.ROUTED and s.analysis_attempts == 2


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"text": ""}, errors.EmptyText),
        ({"text": "   \n "}, errors.EmptyText),
        ({"text": None}, errors.EmptyText),
        ({"text": 42}, errors.EmptyText),
        ({"text": "长" * 2001}, errors.TextTooLong),
        ({"kind": "complaint"}, errors.UnknownKind),
        ({"age_band": "99"}, errors.UnknownAgeBand),
        ({"area_code": "nowhere"}, errors.UnknownArea),
        ({"place": "地" * 201}, errors.PlaceTooLong),
        ({"photos": [b"not a photo"]}, errors.PhotoRejected),
    ],
)
def test_bad_input_changes_nothing(ctx, overrides, error):
    with pytest.raises(error):
        create(**overrides)
    db.session.rollback()
    assert count(Suggestion) == 0 and count(Event) == 0 and count(Photo) == 0


def test_2000_characters_is_accepted(ctx):
    assert create(text="长" * 2000).suggestion.status == Status.ROUTED


def test_photos_are_stored_clean(ctx, image_bytes):
    s = create(photos=[image_bytes("PNG")]).suggestion
    assert [p.mime_type for p in s.photos] == ["image/jpeg"]


def test_urgent_reaches_the_agency_and_the_coordinator(ctx):
    police = rosters.add_contact(None, "police", email="duty@police.example")
    coord = rosters.add_contact(None, "coord", email="duty@coord.example")
    s = create(text="我表妹放学没回家，电话手表也关机了，已经四个小时了").suggestion
    db.session.flush()
    assert s.urgent and s.danger == "urgent" and s.urgent_reasons and s.queue_rank == 0
    assert s.agency.code == "police"  # urgent items are routed to who acts, never triaged
    alert = db.session.scalars(select(Alert)).one()
    assert (alert.kind, alert.agency.code, alert.step) == ("urgent", "police", 0)
    messages = db.session.scalars(select(Outbox).order_by(Outbox.id)).all()
    assert [(m.channel, m.recipient, m.payload["type"]) for m in messages] == [
        ("agency", f"duty:{police.id}", "alert"),
        ("agency", f"duty:{coord.id}", "alert"),
    ]
    assert all(m.delivered_at is None for m in messages)
    assert "alert_raised" in [e.action for e in s.events]


def test_urgent_confirmation_shows_the_help_lines(client):
    page = client.post(
        "/say/problem",
        data={"text": "我现在在天台上，想跳下去"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert 'href="tel:110"' in page and 'href="tel:12355"' in page


def test_get_by_code_finds_it_and_counts_failures(ctx, app):
    created = create()
    db.session.commit()
    assert suggestions.get_by_code(created.code, CLIENT).id == created.suggestion.id
    assert (
        suggestions.get_by_code(created.code.replace(" ", "-"), CLIENT).id == created.suggestion.id
    )
    for _ in range(app.config["LOOKUP_FAILURES_PER_WINDOW"]):
        with pytest.raises(errors.NotFound):
            suggestions.get_by_code("熊猫 苹果 0000", CLIENT)
    # Now even the right code is refused for this client, but not for another.
    with pytest.raises(errors.TooManyTries):
        suggestions.get_by_code(created.code, CLIENT)
    assert suggestions.get_by_code(created.code, "10.0.0.9|other").id == created.suggestion.id


def test_rating_needs_an_answer(ctx):
    created = create()
    with pytest.raises(errors.RatingNotOpen):
        suggestions.rate(created.code, CLIENT, "satisfied")


@pytest.mark.parametrize(
    ("rating", "status"), [("satisfied", Status.CLOSED), ("basically", Status.CLOSED)]
)
def test_good_ratings_close(ctx, rating, status):
    created = create()
    answer(created.suggestion)
    s = suggestions.rate(created.code, CLIENT, rating, "谢谢")
    assert (s.status, s.rating, s.events[-1].action) == (status, rating, "rated")


def test_unsatisfied_reopens_once_then_closes(ctx):
    created = create()
    answer(created.suggestion, "no")
    s = suggestions.rate(created.code, CLIENT, "unsatisfied", "我的电话是13812345678，还是没修")
    assert s.status == Status.REOPENED and s.reopen_count == 1
    assert "13812345678" not in s.rating_comment
    answer(s, "partly")
    s = suggestions.rate(created.code, CLIENT, "unsatisfied")
    assert s.status == Status.CLOSED and s.reopen_count == 1


def test_unknown_rating_is_refused(ctx):
    created = create()
    answer(created.suggestion)
    with pytest.raises(errors.UnknownRating):
        suggestions.rate(created.code, CLIENT, "great")
    with pytest.raises(errors.CommentTooLong):
        suggestions.rate(created.code, CLIENT, "satisfied", "字" * 501)


def test_directory_seed_is_idempotent(runner, app):
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0 and "17 agencies" in result.output
    with app.app_context():
        assert count(Agency) == 17


def test_guardian_contact_is_subscribed_and_hears_of_changes(ctx):
    from webapp.models import Contact, utcnow

    contact = Contact(telegram_chat_id=4242, pseudonym="家长-0001", consent_at=utcnow())
    db.session.add(contact)
    created = create(channel="bot", actor="guardian", contact=contact)
    assert (
        db.session.scalar(select(func.count()).select_from(Outbox)) == 0
    )  # creation is confirmed in chat
    answer(created.suggestion)
    pushed = db.session.scalars(select(Outbox).where(Outbox.channel == "telegram")).all()
    assert [(m.recipient, m.payload["action"]) for m in pushed] == [(str(contact.id), "answered")]


def test_old_rate_limit_windows_are_pruned(ctx, app):
    from webapp.models import RateLimitHit
    from webapp.services import ratelimit

    ratelimit.hit("code_lookup_failure", "client", 900)
    db.session.add(
        RateLimitHit(bucket="code_lookup_failure", key_hash="x" * 64, window_start=0, count=3)
    )
    db.session.commit()
    assert ratelimit.prune() == 1
    assert ratelimit.count("code_lookup_failure", "client", 900) == 1


def test_public_only_on_a_plain_yes_and_pending_until_a_moderator_approves(ctx):
    from webapp.models import Visibility

    default = create().suggestion
    assert default.public is False and default.visibility is None
    assert not default.family_may_read
    for not_yes in (None, False, "yes", 1):
        s = create(public=not_yes).suggestion
        assert s.public is False and s.visibility is None
    shared = create(public=True).suggestion
    assert shared.public is True and shared.visibility == Visibility.PENDING
    assert shared.public_text is None and shared.moderated_at is None
    assert create(family_may_read=True).suggestion.family_may_read is True


def test_a_rating_comment_for_review_alerts_the_coordinator(ctx):
    from webapp.models import AlertKind, Danger

    created = create()
    answer(created.suggestion)
    comment = "同桌天天在厕所里打我，还说告诉老师就打得更狠"
    s = suggestions.rate(created.code, CLIENT, "basically", comment)
    assert s.danger in Danger.RAISED  # bullying: a person looks at least today
    assert [a.kind for a in alerts.history(s)][0] == (
        AlertKind.REVIEW if s.danger == Danger.REVIEW else AlertKind.URGENT
    )
    if s.danger == Danger.REVIEW:
        assert s.status == Status.CLOSED  # the rating stands; the coordinator looks today
    assert "同桌" not in repr([e.detail for e in s.events])
