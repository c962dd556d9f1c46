"""webapp.services.guardians and the outbox's delivery side, called directly."""

import re
from datetime import timedelta

import pytest
from helpers import answer_as_coordinator
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Contact, Outbox, Status, Subscription, Suggestion, utcnow
from webapp.services import bot_updates, errors, guardians, outbox, ratelimit, suggestions

CHAT = 424242


def tablet_suggestion(text="公园的滑梯坏了，希望快点修好"):
    return suggestions.create_suggestion(text=text, kind="problem", channel="web")


def pending_for(contact) -> list[Outbox]:
    return list(
        db.session.scalars(
            select(Outbox).where(
                Outbox.recipient == str(contact.id),
                Outbox.delivered_at.is_(None),
                Outbox.failed_at.is_(None),
            )
        )
    )


def test_consent_is_stored_once_with_a_pseudonym(ctx):
    contact = guardians.give_consent(CHAT)
    assert re.fullmatch(r"家长-[0-9A-F]{4}", contact.pseudonym)
    assert guardians.give_consent(CHAT).id == contact.id
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
    with pytest.raises(guardians.NotConsented):
        guardians.require_contact(CHAT + 1)


def test_follow_is_idempotent_and_lookups_are_limited(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOOKUP_WINDOW_SECONDS", 10**9)  # no window ends mid-test
    contact = guardians.give_consent(CHAT)
    created = tablet_suggestion()
    assert guardians.follow(contact, created.code, "telegram:1").id == created.suggestion.id
    guardians.follow(contact, created.code.replace(" ", ""), "telegram:1")
    assert len(contact.subscriptions) == 1
    assert guardians.my_suggestions(contact) == [created.suggestion]
    db.session.commit()  # SQLite: failed lookups are counted on a connection of their own
    for _ in range(app.config["LOOKUP_FAILURES_PER_WINDOW"]):
        with pytest.raises(errors.NotFound):
            guardians.follow(contact, "熊猫 苹果 0000", "telegram:2")
    with pytest.raises(errors.TooManyTries):
        guardians.follow(contact, created.code, "telegram:2")


def test_a_guardian_rates_only_what_they_follow(ctx):
    contact = guardians.give_consent(CHAT)
    created = tablet_suggestion()
    answer_as_coordinator(created.suggestion)
    with pytest.raises(guardians.NotFollowing):
        guardians.rate_as_guardian(contact, created.suggestion.id, "satisfied")
    guardians.follow(contact, created.code, "telegram:1")
    rated = guardians.rate_as_guardian(contact, created.suggestion.id, "unsatisfied", "还是很黑")
    assert rated.status == Status.REOPENED and rated.rating_comment == "还是很黑"
    assert rated.events[-1].actor == "guardian"


def test_delete_contact_unlinks_and_stops_every_message(ctx):
    contact = guardians.give_consent(CHAT)
    mine = guardians.submit(contact, kind="idea", text="希望公园里多一些秋千").suggestion
    followed = tablet_suggestion()
    guardians.follow(contact, followed.code, "telegram:1")
    answer_as_coordinator(followed.suggestion)
    db.session.flush()
    waiting = pending_for(contact)
    assert waiting, "the answer was queued for the guardian"
    contact_id = contact.id

    assert guardians.delete_contact(contact) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Contact, contact_id) is None
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0
    assert db.session.get(Suggestion, mine.id).contact_id is None
    assert all(db.session.get(Outbox, m.id).failed_at for m in waiting)


def test_a_claim_is_a_lease_two_workers_never_share(ctx):
    contact = guardians.give_consent(CHAT)
    for n in range(3):
        outbox.enqueue("telegram", str(contact.id), {"type": "status", "n": n})
    db.session.commit()
    now = utcnow()
    first = outbox.claim_due("telegram", limit=2, lease_seconds=30, now=now)
    second = outbox.claim_due("telegram", limit=10, lease_seconds=30, now=now)
    assert len(first) == 2 and len(second) == 1
    assert not {m.id for m in first} & {m.id for m in second}
    assert outbox.claim_due("telegram", now=now) == []
    # A worker that died: its lease runs out and the messages are claimed again.
    outbox.mark_delivered(first[0].id)
    later = outbox.claim_due("telegram", now=now + timedelta(seconds=31))
    assert {m.id for m in later} == {first[1].id, second[0].id}


def test_retries_back_off_then_give_up(ctx):
    message = outbox.enqueue("telegram", "1", {"type": "status"})
    db.session.flush()
    now = utcnow()
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        assert outbox.mark_retry(message.id, "NetworkError", now=now) is False
        waits.append((message.next_attempt_at - now).total_seconds())
    assert waits[:4] == [2, 4, 8, 16] and max(waits) <= outbox.MAX_BACKOFF_SECONDS
    assert outbox.mark_retry(message.id, "NetworkError", now=now) is True
    assert message.failed_at is not None and message.attempts == outbox.MAX_ATTEMPTS
    assert message.last_error == "NetworkError"


def test_pushes_to_a_deleted_or_blocked_contact_fail(ctx):
    blocked = guardians.give_consent(CHAT)
    created = tablet_suggestion()
    guardians.follow(blocked, created.code, "telegram:1")
    outbox.enqueue(
        "telegram",
        "999999",
        {"type": "status", "suggestion_id": created.suggestion.id, "action": "accepted"},
    )
    blocked.blocked_at = utcnow()
    outbox.enqueue(
        "telegram",
        str(blocked.id),
        {"type": "status", "action": "accepted", "suggestion_id": created.suggestion.id},
    )
    db.session.commit()
    assert guardians.claim_pushes(10, 30) == []
    errors_seen = set(
        db.session.scalars(select(Outbox.last_error).where(Outbox.channel == "telegram"))
    )
    assert errors_seen == {"contact_deleted", "blocked"}


def test_admission_counts_per_chat_and_remembers_updates(ctx, monkeypatch):
    monkeypatch.setattr(bot_updates, "CHAT_WINDOW_SECONDS", 10**9)  # no window ends mid-test

    def admit(update_id, chat_id):
        admission = bot_updates.admit_update(update_id, chat_id, per_minute=2)
        db.session.commit()  # one unit of work per update, as in the bot
        return admission

    assert admit(1, CHAT) == bot_updates.Admission.HANDLE
    assert admit(1, CHAT) == bot_updates.Admission.DUPLICATE
    assert admit(2, CHAT) == bot_updates.Admission.LIMITED_FIRST
    assert admit(3, CHAT) == bot_updates.Admission.LIMITED
    assert admit(4, CHAT + 1) == bot_updates.Admission.HANDLE


# --- safeguarding: what followers read, who may follow, codes through the outbox -----------


def test_a_follower_reads_the_words_only_if_the_child_shared_them(ctx):
    sender = guardians.give_consent(CHAT)
    follower = guardians.give_consent(CHAT + 1)
    private = guardians.submit(sender, kind="idea", text="希望公园里多一些秋千")
    shared = guardians.submit(
        sender, kind="idea", text="希望图书馆多一些绘本", family_may_read=True
    )
    for submitted in (private, shared):
        guardians.follow(follower, submitted.code, "telegram:2")
    assert guardians.guardian_view(sender, private.suggestion)["text"] == "希望公园里多一些秋千"
    hidden = guardians.guardian_view(follower, private.suggestion)
    assert hidden["text"] is None and hidden["words_hidden"] and hidden["sent_on"]
    assert guardians.guardian_view(follower, shared.suggestion)["text"] == "希望图书馆多一些绘本"


def test_a_sensitive_item_is_followed_only_by_its_sender_and_counts_as_unknown(
    ctx, app, monkeypatch
):
    monkeypatch.setitem(app.config, "LOOKUP_WINDOW_SECONDS", 10**9)  # no window ends mid-test
    sender = guardians.give_consent(CHAT)
    other = guardians.give_consent(CHAT + 1)
    urgent = guardians.submit(sender, kind="problem", text="有人打我，我好害怕，不想活了")
    review = tablet_suggestion("放学的时候总有一个人跟着我走")
    review.suggestion.urgent, review.suggestion.danger = False, "review"
    assert urgent.suggestion.urgent
    db.session.commit()
    for created in (urgent, review):
        with pytest.raises(errors.NotFound):
            guardians.follow(other, created.code, "telegram:2")
    assert ratelimit.count(suggestions.LOOKUP_BUCKET, "telegram:2", 10**9) == 2
    assert guardians.follow(sender, urgent.code, "telegram:1").id == urgent.suggestion.id
    assert guardians.my_suggestions(other) == []


def test_an_item_raised_after_it_was_followed_stops_reaching_other_chats(ctx):
    sender = guardians.give_consent(CHAT)
    follower = guardians.give_consent(CHAT + 1)
    submitted = guardians.submit(sender, kind="problem", text="学校门口的路灯坏了")
    guardians.follow(follower, submitted.code, "telegram:2")
    suggestion = submitted.suggestion
    suggestion.danger = "review"  # a person looked again and raised it
    answer_as_coordinator(suggestion)
    db.session.commit()
    assert guardians.my_suggestions(follower) == []
    with pytest.raises(guardians.NotFollowing):
        guardians.followed(follower, suggestion.id)
    pushes = guardians.claim_pushes(50, 30)
    assert {p.chat_id for p in pushes if p.type == guardians.STATUS} == {CHAT}
    refused = db.session.scalars(
        select(Outbox.last_error).where(Outbox.recipient == str(follower.id))
    ).all()
    assert refused and set(refused) == {"not_followable"}


def test_the_code_goes_through_the_outbox_and_is_removed_when_finished(ctx):
    contact = guardians.give_consent(CHAT)
    submitted = guardians.submit(contact, kind="idea", text="希望公园里多一些秋千", lease_seconds=0)
    message = db.session.get(Outbox, submitted.code_message_id)
    assert message.payload == {
        "type": "code",
        "suggestion_id": submitted.suggestion.id,
        "code": submitted.code,
    }
    db.session.commit()
    (push,) = [p for p in guardians.claim_pushes(10, 30) if p.type == guardians.CODE]
    assert push.code == submitted.code and push.chat_id == CHAT
    guardians.code_delivered(push.message_id)
    db.session.commit()
    db.session.expire_all()
    message = db.session.get(Outbox, submitted.code_message_id)
    assert message.delivered_at and "code" not in message.payload


def test_a_code_is_retried_long_and_forgotten_when_given_up_or_erased(ctx):
    contact = guardians.give_consent(CHAT)
    first = guardians.submit(contact, kind="idea", text="希望公园里多一些秋千")
    for _ in range(guardians.CODE_MAX_ATTEMPTS - 1):
        assert guardians.code_not_sent(first.code_message_id, "NetworkError") is False
    assert outbox.MAX_ATTEMPTS < guardians.CODE_MAX_ATTEMPTS
    assert guardians.code_not_sent(first.code_message_id, "NetworkError") is True
    second = guardians.submit(contact, kind="idea", text="希望图书馆多一些绘本")
    guardians.delete_contact(contact)
    db.session.commit()
    db.session.expire_all()
    for submitted in (first, second):
        message = db.session.get(Outbox, submitted.code_message_id)
        assert message.failed_at and "code" not in message.payload


def test_a_blocked_chat_keeps_no_code(ctx):
    contact = guardians.give_consent(CHAT)
    submitted = guardians.submit(contact, kind="idea", text="希望公园里多一些秋千")
    guardians.mark_blocked(contact)
    db.session.commit()
    db.session.expire_all()
    assert "code" not in db.session.get(Outbox, submitted.code_message_id).payload


def test_first_look_stores_nothing(ctx):
    look = guardians.first_look("有人打我，我好害怕，不想活了")
    assert look.raised and look.danger == "urgent" and "self_harm" in look.kinds
    hazard = guardians.first_look("小区门口的井盖没了，很危险")
    assert hazard.raised and hazard.kinds == ("hazard",)
    assert not guardians.first_look("希望公园里多一些秋千").raised
    assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 0


def test_duty_codes_are_limited_per_chat(ctx, monkeypatch):
    monkeypatch.setattr(guardians, "DUTY_WINDOW_SECONDS", 10**9)  # no window ends mid-test
    for _ in range(guardians.DUTY_FAILURES_PER_WINDOW):
        assert guardians.link_duty_chat("WRONGCOD", CHAT) is False
    with pytest.raises(errors.TooManyTries):
        guardians.link_duty_chat("WRONGCOD", CHAT)
    assert guardians.link_duty_chat("WRONGCOD", CHAT + 1) is False  # another chat is not affected
