"""Safeguarding in the bot, over real HTTP: help at once, codes that always arrive, followers
who never read a child's words, and urgent items nobody else can follow."""

import json

import pytest
from conftest import Guardian
from fakeapi import GUARDIAN_CHAT
from helpers import answer_as_coordinator
from sqlalchemy import func, select
from test_bot_over_http import eventually, rows, tablet_suggestion

from bot import delivery, pending
from webapp.extensions import db
from webapp.models import BotState, Contact, Danger, Outbox, Subscription, Suggestion
from webapp.services import suggestions

CHAT = GUARDIAN_CHAT
OTHER = GUARDIAN_CHAT + 1
DISCLOSURE = "有人打我，我好害怕，不想活了"
NOT_FOUND = "没有找到这个查询码"


def code_in(text: str) -> str:
    return text.split("查询码是：")[1].split("<b>")[1].split("</b>")[0]


def code_messages(app) -> list[Outbox]:
    with app.app_context():
        return [
            m
            for m in db.session.scalars(select(Outbox).where(Outbox.channel == "telegram"))
            if m.payload.get("type") == "code"
        ]


def only_suggestion(app) -> Suggestion:
    with app.app_context():
        suggestion = db.session.scalar(select(Suggestion))
        db.session.expunge(suggestion)
        return suggestion


def held(app, chat=CHAT) -> dict | None:
    with app.app_context():
        row = db.session.get(BotState, f"user:{chat}")
        return row.data.get(pending.KEY) if row else None


def send_through_new(guardian: Guardian, text: str, family: str) -> str:
    """/new with text, skipping photo and place; returns the tracking code."""
    guardian.say("/new", expect="你想发送什么")
    guardian.press("问题", expect="问题")
    guardian.say(text, expect="照片")
    guardian.press("跳过", expect="在哪里")
    guardian.press("跳过", expect="孩子多大")
    guardian.press("9–11岁", expect="家人可以看到你写的原话吗")
    guardian.press(family, expect="其他小朋友可以看到这条吗")
    guardian.press("不可以，不公开", expect="发送前请检查")
    return code_in(guardian.press("确认发送", expect="查询码").text)


def test_a_disclosure_outside_new_gets_help_first_and_one_tap_makes_an_urgent_item(
    bot_app, api, running_bot, guardian
):
    guardian.consent()
    mark = api.mark()
    guardian.say(DISCLOSURE)
    first = api.sent(CHAT, since=mark)[0]
    assert "110" in first.text and "12355" in first.text and "不是你的错" in first.text
    assert [b["text"] for b in first.buttons] == ["🆘 把这条发给能帮忙的人", "不发送"]
    assert rows(bot_app, Suggestion) == 0, "nothing is an item before the tap"
    assert eventually(lambda: held(bot_app)), "held for the tap in the bot's database state"

    done = guardian.press("把这条发给能帮忙的人", expect="查询码")
    assert "110" in done.text and "很快就会有人看到" in done.text
    suggestion = only_suggestion(bot_app)
    assert suggestion.urgent and suggestion.channel == "bot" and suggestion.kind == "problem"
    assert suggestion.text == DISCLOSURE and not suggestion.public
    with bot_app.app_context():
        assert suggestions.get_by_code(code_in(done.text), "test").id == suggestion.id
        assert db.session.get(Contact, suggestion.contact_id).telegram_chat_id == CHAT
    assert eventually(lambda: held(bot_app) is None), "the held words are dropped at the tap"
    message = eventually(lambda: [m for m in code_messages(bot_app) if m.delivered_at])[0]
    assert "code" not in message.payload
    # The same button again sends nothing twice.
    mark = api.mark()
    api.press(CHAT, "把这条发给能帮忙的人")
    answered = api.wait_for(None, since=mark, method="answerCallbackQuery")
    assert "失效" in answered.params.get("text", "")
    assert rows(bot_app, Suggestion) == 1


def test_a_disclosure_before_consent_stores_nothing_until_the_tap(
    bot_app, api, running_bot, guardian
):
    mark = api.mark()
    guardian.say("有个叔叔摸我，还说不许告诉别人，我很害怕")
    first = api.sent(CHAT, since=mark)[0]
    assert "110" in first.text and "/delete" in first.text
    assert first.buttons[0]["text"] == "🆘 我同意：把这条发给能帮忙的人"
    guardian.say("/help", expect="我能做什么")  # handled after the first one was saved
    assert rows(bot_app, BotState) == 0 and rows(bot_app, Contact) == 0
    assert rows(bot_app, Suggestion) == 0

    guardian.press("我同意：把这条发给能帮忙的人", expect="查询码")
    suggestion = only_suggestion(bot_app)
    assert suggestion.danger in Danger.RAISED or suggestion.urgent
    assert rows(bot_app, Contact) == 1


def test_a_place_hazard_gets_no_help_lines_but_says_who_will_be_told(
    bot_app, api, running_bot, guardian
):
    guardian.consent()
    mark = api.mark()
    guardian.say("小区门口的井盖没了，很危险")
    first = api.sent(CHAT, since=mark)[0]
    assert "负责修理的人" in first.text and "离它远一点" in first.text
    assert "110" not in first.text and "12355" not in first.text
    done = guardian.press("把这条发给能帮忙的人", expect="查询码")
    assert "已经告诉负责修理的人" in done.text and "110" not in done.text
    assert only_suggestion(bot_app).urgent


def test_do_not_send_drops_the_words(bot_app, api, running_bot, guardian):
    guardian.consent()
    guardian.say(DISCLOSURE, expect="12355")
    guardian.press("不发送", expect="没有发送")
    assert eventually(lambda: held(bot_app) is None)
    assert rows(bot_app, Suggestion) == 0


def test_held_words_are_dropped_after_a_short_time(bot_app, api, start_bot, guardian, monkeypatch):
    monkeypatch.setattr(pending, "TTL_SECONDS", 0.5)
    monkeypatch.setattr(delivery, "PENDING_SWEEP_SECONDS", 0.05)
    start_bot()
    guardian.consent()
    guardian.say(DISCLOSURE, expect="12355")
    assert eventually(lambda: held(bot_app)), "held for the tap"
    assert eventually(lambda: held(bot_app) is None, timeout=5), "swept without a tap"
    mark = api.mark()
    api.press(CHAT, "把这条发给能帮忙的人")
    answered = api.wait_for(None, since=mark, method="answerCallbackQuery")
    assert "失效" in answered.params.get("text", "")
    assert rows(bot_app, Suggestion) == 0


def test_ordinary_words_outside_new_become_a_new_message_with_one_tap(
    bot_app, api, running_bot, guardian
):
    guardian.consent()
    offer = guardian.say("希望图书馆周末开到晚上八点", expect="/new")
    assert "110" not in offer.text
    guardian.press("想法", expect="照片")
    guardian.press("跳过", expect="在哪里")
    guardian.press("跳过", expect="孩子多大")
    guardian.press("6–8岁", expect="家人可以看到")
    guardian.press("不可以，只看进度和答复", expect="其他小朋友")
    guardian.press("不可以，不公开", expect="发送前请检查")
    guardian.press("确认发送", expect="查询码")
    suggestion = only_suggestion(bot_app)
    assert suggestion.text == "希望图书馆周末开到晚上八点" and suggestion.kind == "idea"


def test_in_new_the_help_lines_come_right_after_the_text(bot_app, api, running_bot, guardian):
    guardian.consent()
    guardian.say("/new", expect="你想发送什么")
    guardian.press("问题", expect="问题")
    mark = api.mark()
    guardian.say(DISCLOSURE, expect="照片")
    help_message, photo_question = api.sent(CHAT, since=mark)
    assert "110" in help_message.text and "12355" in help_message.text
    assert "照片" in photo_question.text
    done = guardian.press("现在就发送", expect="查询码")
    assert "12355" in done.text
    assert only_suggestion(bot_app).urgent


def test_a_failed_button_edit_still_delivers_the_code(bot_app, api, running_bot, guardian):
    guardian.consent()
    guardian.say("/new", expect="你想发送什么")
    guardian.press("想法", expect="想法")
    guardian.say("希望公园里多一些秋千", expect="照片")
    guardian.press("跳过", expect="在哪里")
    guardian.press("跳过", expect="孩子多大")
    guardian.press("6–8岁", expect="家人")
    guardian.press("不可以，只看进度和答复", expect="其他小朋友")
    guardian.press("不可以，不公开", expect="发送前请检查")
    api.failures["editMessageReplyMarkup"] = [500, 500, 500]
    mark = api.mark()
    done = guardian.press("确认发送", expect="查询码")
    failed_edit = api.wait_for(CHAT, since=mark, method="editMessageReplyMarkup:500")
    assert done.at <= failed_edit.at, "the code goes out before anything is edited"
    with bot_app.app_context():
        assert suggestions.get_by_code(code_in(done.text), "test")
    guardian.say("/help", expect="我能做什么")
    assert not [c for c in api.sent(CHAT, since=mark) if "请稍后再试" in c.text]
    (message,) = code_messages(bot_app)
    assert message.delivered_at and "code" not in message.payload
    # The summary kept its buttons; pressing 确认发送 again sends nothing twice.
    api.failures.clear()
    mark = api.mark()
    api.press(CHAT, "确认发送")
    answered = api.wait_for(None, since=mark, method="answerCallbackQuery")
    assert "失效" in answered.params.get("text", "")
    assert rows(bot_app, Suggestion) == 1


def test_a_code_that_could_not_be_sent_is_retried_until_delivered(
    bot_app, api, running_bot, guardian
):
    guardian.consent()
    guardian.say(DISCLOSURE, expect="12355")
    api.failures["sendMessage"] = [500]
    mark = api.mark()
    api.press(CHAT, "把这条发给能帮忙的人")
    failed = api.wait_for(CHAT, since=mark, method="sendMessage:500")
    assert rows(bot_app, Suggestion) == 1
    (waiting,) = code_messages(bot_app)
    assert waiting.payload.get("code") and not waiting.delivered_at, "kept only until delivered"
    sent = api.wait_for(CHAT, "查询码", since=mark, timeout=8)
    assert 1.5 < sent.at - failed.at < 5  # the outbox's back-off after one failure

    def delivered():
        (message,) = code_messages(bot_app)
        return message if message.delivered_at else None

    message = eventually(delivered)
    assert message.attempts == 1 and "code" not in message.payload
    with bot_app.app_context():
        assert suggestions.get_by_code(code_in(sent.text), "test")


def test_a_follower_of_an_item_the_child_did_not_share_sees_no_words(
    bot_app, api, running_bot, guardian
):
    text = "公园的滑梯坏了，希望快点修好"
    suggestion_id, code = tablet_suggestion(bot_app, text)
    with bot_app.app_context():
        redacted = db.session.get(Suggestion, suggestion_id).redacted_text
    guardian.consent()
    mark = api.mark()
    guardian.say(f"/follow {code}", expect="你已关注")
    guardian.say("/mine", expect="我的建议")
    guardian.press("1.", expect="现在")
    with bot_app.app_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        answer_as_coordinator(suggestion)
        db.session.commit()
    api.wait_for(CHAT, "的答复", since=mark, timeout=5)  # the push with the answer
    guardian.press("1.", expect="现在")  # the card again, answered
    seen = api.sent(CHAT, since=mark)
    assert len(seen) >= 5
    for message in seen:
        for words in (text, redacted, "滑梯", "快点"):
            assert words not in message.text, message.text
    with bot_app.app_context():
        for message in db.session.scalars(select(Outbox).where(Outbox.channel == "telegram")):
            assert "滑梯" not in json.dumps(message.payload, ensure_ascii=False)


def test_family_may_read_works_both_ways(bot_app, api, running_bot, guardian):
    family = Guardian(api, OTHER)
    guardian.consent()
    family.consent()

    shared = send_through_new(guardian, "希望学校门口多一个斑马线", "可以，家人可以看原话")
    card = family.say(f"/follow {shared}", expect="你已关注")
    assert "斑马线" in card.text and "原话不会显示" not in card.text

    private = send_through_new(guardian, "希望图书馆多一些绘本", "不可以，只看进度和答复")
    card = family.say(f"/follow {private}", expect="你已关注")
    assert "绘本" not in card.text and "原话不会显示" in card.text
    mine = family.say("/mine", expect="我的建议")
    assert "斑马线" in mine.text and "绘本" not in mine.text
    # The chat that sent it reads its own words either way.
    mine = guardian.say("/mine", expect="我的建议")
    assert "斑马线" in mine.text and "绘本" in mine.text


def test_an_urgent_item_cannot_be_followed_by_another_chat(bot_app, api, running_bot, guardian):
    other = Guardian(api, OTHER)
    guardian.consent()
    other.consent()
    guardian.say(DISCLOSURE, expect="12355")
    code = code_in(guardian.press("把这条发给能帮忙的人", expect="查询码").text)
    assert only_suggestion(bot_app).urgent

    unknown = other.say("/follow 熊猫 苹果 0000", expect=NOT_FOUND)
    refused = other.say(f"/follow {code}", expect=NOT_FOUND)
    assert refused.text == unknown.text, "the same answer as an unknown code: nothing revealed"
    assert "还没有关注" in other.say("/mine").text
    with bot_app.app_context():
        others = db.session.scalar(
            select(func.count())
            .select_from(Subscription)
            .join(Contact)
            .where(Contact.telegram_chat_id == OTHER)
        )
    assert others == 0
    # The chat that sent it still follows its own item.
    assert "你已关注" in guardian.say(f"/follow {code}", expect="你已关注").text


def test_a_review_item_cannot_be_followed_by_another_chat(bot_app, api, running_bot, guardian):
    suggestion_id, code = tablet_suggestion(bot_app, "放学的时候总有一个人跟着我走")
    with bot_app.app_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        suggestion.urgent, suggestion.danger = False, Danger.REVIEW
        db.session.commit()
    guardian.consent()
    guardian.say(f"/follow {code}", expect=NOT_FOUND)
    assert rows(bot_app, Subscription) == 0


@pytest.mark.parametrize("family", [False, True])
def test_a_tablet_childs_choice_decides_what_followers_read(
    bot_app, api, running_bot, guardian, family
):
    with bot_app.app_context():
        created = suggestions.create_suggestion(
            text="希望操场晚上也开灯", kind="idea", channel="web", family_may_read=family
        )
        db.session.commit()
    guardian.consent()
    card = guardian.say(f"/follow {created.code}", expect="你已关注")
    assert ("操场" in card.text) is family
