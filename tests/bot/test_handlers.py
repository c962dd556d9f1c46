"""Handlers, one update at a time through Application.process_update (no polling)."""

from fakeapi import GUARDIAN_CHAT
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from webapp.extensions import db
from webapp.models import BotState, Contact, ProcessedUpdate, Suggestion
from webapp.services import bot_updates, guardians

CHAT = GUARDIAN_CHAT


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def texts_to(api, chat=CHAT) -> list[str]:
    return [call.text for call in api.sent(chat)]


def consent_steps(api, chat=CHAT):
    return [api.message_update(chat, text="/start"), lambda: api.button_update(chat, "我同意")]


def draft_steps(api, text="学校门口的路灯坏了，晚上很黑", chat=CHAT):
    """/new up to the summary: kind, text, skip photo, skip place, age, family, public."""
    return [
        api.message_update(chat, text="/new"),
        lambda: api.button_update(chat, "问题"),
        api.message_update(chat, text=text),
        lambda: api.button_update(chat, "跳过"),
        lambda: api.button_update(chat, "跳过"),
        lambda: api.button_update(chat, "9–11岁"),
        lambda: api.button_update(chat, "不可以，只看进度"),
        lambda: api.button_update(chat, "不可以，不公开"),
    ]


def test_start_stores_nothing_before_consent(bot_app, api, process):
    process(api.message_update(CHAT, text="/start"), lambda: api.button_update(CHAT, "我不同意"))
    intro, declined = texts_to(api)
    assert "谁能看到什么" in intro and "不满14岁" in intro and "/delete" in intro
    assert "什么都没有保存" in declined
    assert count(bot_app, Contact) == 0
    assert count(bot_app, BotState) == 0


def test_consent_creates_a_contact_with_a_pseudonym(bot_app, api, process):
    process(*consent_steps(api))
    with bot_app.app_context():
        contact = guardians.contact_for(CHAT)
        assert contact is not None and contact.consent_at is not None
        assert texts_to(api)[-1].count(contact.pseudonym) == 1
    assert api.sent(CHAT)[-1].buttons, "the menu follows consent"


def test_new_needs_consent_and_keeps_no_draft(bot_app, api, process):
    process(api.message_update(CHAT, text="/new"), api.message_update(CHAT, text="随便写写"))
    assert "请先发送 /start" in texts_to(api)[0]
    assert count(bot_app, BotState) == 0


def test_an_update_seen_twice_is_handled_once(bot_app, api, process):
    start = api.message_update(CHAT, text="/start")
    process(start, start)
    assert len(texts_to(api)) == 1
    assert count(bot_app, ProcessedUpdate) == 1


def test_per_chat_rate_limit(bot_app, api, process, monkeypatch):
    monkeypatch.setitem(bot_app.config, "BOT_UPDATES_PER_MINUTE", 3)
    monkeypatch.setattr(bot_updates, "CHAT_WINDOW_SECONDS", 10**9)  # no window ends mid-test
    process(*[api.message_update(CHAT, text="/help") for _ in range(6)])
    sent = texts_to(api)
    assert len(sent) == 4
    assert "太多太快" in sent[-1]
    process(api.message_update(CHAT + 1, text="/help"))  # another chat is not affected
    assert "我能做什么" in texts_to(api, CHAT + 1)[0]


def test_group_chats_are_ignored(bot_app, api, process):
    update = api.message_update(CHAT, text="/start")
    update["message"]["chat"] = {"id": -100123, "type": "group", "title": "班级群"}
    process(update)
    assert api.sent() == []
    assert count(bot_app, ProcessedUpdate) == 0


def test_user_text_is_escaped_in_replies(bot_app, api, process):
    process(*consent_steps(api), *draft_steps(api, text="<b>滑梯</b> & <a href='x'>坏了</a>"))
    summary = api.sent(CHAT)[-1]
    assert summary.params["parse_mode"] == "HTML"
    assert "&lt;b&gt;滑梯&lt;/b&gt; &amp; &lt;a href='x'&gt;坏了&lt;/a&gt;" in summary.text
    assert "<b>滑梯</b>" not in summary.text


def test_text_too_long_is_refused_with_the_service_message(bot_app, api, process):
    steps = draft_steps(api)
    process(*consent_steps(api), *steps[:2], api.message_update(CHAT, text="长" * 2001))
    assert "2000" in texts_to(api)[-1]
    with bot_app.app_context():
        state = db.session.get(BotState, f"conv:guardian:[{CHAT},{CHAT}]")
        assert state.data == {"state": 1}  # still waiting for the text


def test_database_error_at_confirm_asks_to_try_again_and_keeps_the_draft(
    bot_app, api, process, monkeypatch
):
    real_submit = guardians.submit
    failures = []

    def flaky_submit(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(guardians, "submit", flaky_submit)
    process(*consent_steps(api), *draft_steps(api), lambda: api.button_update(CHAT, "确认发送"))
    assert "请稍后再试" in texts_to(api)[-1]
    assert count(bot_app, Suggestion) == 0
    with bot_app.app_context():
        draft = db.session.get(BotState, f"user:{CHAT}").data["draft"]
        assert draft["text"] == "学校门口的路灯坏了，晚上很黑"
    # The summary's buttons are still there: pressing 确认发送 again sends it.
    process(lambda: api.button_update(CHAT, "确认发送"))
    assert "查询码" in texts_to(api)[-1]
    assert count(bot_app, Suggestion) == 1
    assert count(bot_app, BotState) == 0  # draft and conversation state are gone


def test_cancel_throws_the_draft_away(bot_app, api, process):
    process(*consent_steps(api), *draft_steps(api)[:3], api.message_update(CHAT, text="/cancel"))
    assert "已取消" in texts_to(api)[-1]
    assert count(bot_app, BotState) == 0
    assert count(bot_app, Suggestion) == 0


def test_edit_goes_back_to_the_summary(bot_app, api, process):
    process(
        *consent_steps(api),
        *draft_steps(api),
        lambda: api.button_update(CHAT, "修改"),
        lambda: api.button_update(CHAT, "年龄"),
        lambda: api.button_update(CHAT, "15–17岁"),
    )
    summary = texts_to(api)[-1]
    assert "发送前请检查" in summary and "15–17岁" in summary


def test_urgent_suggestion_shows_hotlines_at_once(bot_app, api, process):
    # Help right after the text step; the sharing questions are not asked at all.
    steps = draft_steps(api, text="有人打我，我好害怕，不想活了")[:3]
    process(*consent_steps(api), *steps)
    help_message, photo_question = api.sent(CHAT)[-2:]
    assert "110" in help_message.text and "12355" in help_message.text
    assert "不是你的错" in help_message.text
    assert [b["text"] for b in help_message.buttons] == ["🆘 现在就发送"]
    assert "照片" in photo_question.text
    process(
        lambda: api.button_update(CHAT, "跳过"),
        lambda: api.button_update(CHAT, "跳过"),
        lambda: api.button_update(CHAT, "9–11岁"),
    )
    summary = texts_to(api)[-1]
    assert "发送前请检查" in summary and "家人可以看到原话：否" in summary
    process(lambda: api.button_update(CHAT, "确认发送"))
    done = texts_to(api)[-1]
    assert "110" in done and "12355" in done and "查询码" in done
    with bot_app.app_context():
        suggestion = db.session.scalar(select(Suggestion))
        assert suggestion.urgent and not suggestion.family_may_read and not suggestion.public


def test_help_in_new_can_send_at_once(bot_app, api, process):
    process(
        *consent_steps(api),
        *draft_steps(api, text="有人打我，我好害怕，不想活了")[:3],
        lambda: api.button_update(CHAT, "现在就发送"),
    )
    done = texts_to(api)[-1]
    assert "查询码" in done and "只有这个聊天能关注" in done
    with bot_app.app_context():
        suggestion = db.session.scalar(select(Suggestion))
        assert suggestion.urgent and suggestion.kind == "problem" and suggestion.age_band is None
    assert count(bot_app, BotState) == 0


def test_a_disclosure_typed_mid_draft_gets_help_not_a_button_prompt(bot_app, api, process):
    process(
        *consent_steps(api),
        *draft_steps(api)[:3],  # the photo step
        api.message_update(CHAT, text="他又打我了，我很害怕"),
    )
    reply = api.sent(CHAT)[-1]
    assert "110" in reply.text and any("能帮忙的人" in b["text"] for b in reply.buttons)
    process(lambda: api.button_update(CHAT, "把这条发给能帮忙的人"))
    assert "查询码" in texts_to(api)[-1]
    with bot_app.app_context():
        assert db.session.scalar(select(Suggestion.text)) == "他又打我了，我很害怕"
        draft = db.session.get(BotState, f"user:{CHAT}").data["draft"]
        assert draft["text"] == "学校门口的路灯坏了，晚上很黑", "the draft waits where it was"


def test_a_button_from_a_finished_conversation_is_stale(bot_app, api, process):
    process(*consent_steps(api), *draft_steps(api), lambda: api.button_update(CHAT, "确认发送"))
    mark = api.mark()
    process(lambda: api.button_update(CHAT, "确认发送"))  # the same summary, pressed again
    answered = [c for c in api.calls[mark:] if c.method == "answerCallbackQuery"]
    assert answered and "失效" in answered[-1].params.get("text", "")
    assert count(bot_app, Suggestion) == 1


def test_text_outside_a_conversation_is_offered_as_a_new_message(bot_app, api, process):
    process(*consent_steps(api), api.message_update(CHAT, text="希望公园里多一些秋千"))
    offer = api.sent(CHAT)[-1]
    assert "/new" in offer.text and "110" not in offer.text
    assert [b["text"] for b in offer.buttons] == ["💡 想法", "⚠️ 问题", "🙏 感谢"]
    process(lambda: api.button_update(CHAT, "想法"))
    assert "照片" in texts_to(api)[-1]  # kind and text are in: the next step of /new
    with bot_app.app_context():
        draft = db.session.get(BotState, f"user:{CHAT}").data
        assert draft["draft"]["text"] == "希望公园里多一些秋千" and "pending" not in draft


def test_text_before_consent_stores_nothing(bot_app, api, process):
    process(api.message_update(CHAT, text="希望公园里多一些秋千"))
    assert "/start" in texts_to(api)[-1] and not api.sent(CHAT)[-1].buttons
    assert count(bot_app, BotState) == 0 and count(bot_app, Contact) == 0


def test_a_sticker_outside_a_conversation_is_not_understood(bot_app, api, process):
    process(
        *consent_steps(api),
        api.message_update(
            CHAT,
            sticker={
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
        ),
    )
    assert "没有看懂" in texts_to(api)[-1]


def test_blocking_and_unblocking_the_bot(bot_app, api, process):
    process(*consent_steps(api), api.membership_update(CHAT, "kicked"))
    with bot_app.app_context():
        assert guardians.contact_for(CHAT).blocked_at is not None
    process(api.membership_update(CHAT, "member"))
    with bot_app.app_context():
        assert guardians.contact_for(CHAT).blocked_at is None


def test_something_unexpected_in_a_step_asks_the_same_question_again(bot_app, api, process):
    process(
        *consent_steps(api),
        api.message_update(CHAT, text="/new"),
        api.message_update(CHAT, text="你好"),
    )
    assert "你想发送什么" in texts_to(api)[-1]


def test_an_edited_old_message_is_not_an_answer(bot_app, api, process):
    edited = api.message_update(CHAT, text="改过的话")
    edited["edited_message"] = {**edited.pop("message"), "edit_date": 1}
    process(*consent_steps(api), api.message_update(CHAT, text="/new"), edited)
    assert "你想发送什么" in texts_to(api)[-1] and len(texts_to(api)) == 3


def test_duty_without_a_code_says_how(bot_app, api, process):
    process(api.message_update(CHAT, text="/duty"))
    assert "/duty" in texts_to(api)[-1]
    assert count(bot_app, BotState) == 0 and count(bot_app, Contact) == 0


def test_duty_links_a_staff_chat(bot_app, api, process):
    from helpers import PASSWORD

    from webapp.models import StaffUser
    from webapp.services import rosters, staff

    with bot_app.app_context():
        user = staff.create_staff("duty@city.example", PASSWORD, "police", "staff")
        code = rosters.new_link_code(user)
        db.session.commit()
        user_id = user.id
    process(api.message_update(CHAT, text="/duty WRONG-CODE"))
    assert "不能用" in texts_to(api)[-1]
    process(api.message_update(CHAT, text=f"/duty {code}"))
    assert "绑定成功" in texts_to(api)[-1]
    with bot_app.app_context():
        assert db.session.get(StaffUser, user_id).telegram_chat_id == CHAT
    process(api.message_update(CHAT, text=f"/duty {code}"))  # one time only
    assert "不能用" in texts_to(api)[-1]
    assert count(bot_app, Contact) == 0, "a staff chat is not a guardian's"
