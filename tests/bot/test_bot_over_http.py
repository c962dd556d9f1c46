"""The real bot, polling the stand-in Bot API over HTTP, on a real database."""

import io
import json
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta

from fakeapi import GUARDIAN_CHAT
from helpers import answer_as_coordinator
from PIL import Image
from sqlalchemy import func, select

from bot import delivery
from webapp.extensions import db
from webapp.models import BotState, Contact, Outbox, Photo, Status, Subscription, Suggestion, utcnow
from webapp.services import guardians, outbox, suggestions

CHAT = GUARDIAN_CHAT


def eventually(check, timeout: float = 5):
    """Poll `check` until it returns something true (the bot works in its own thread)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return result


def rows(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (30.0, 16.0, 27.0), 3: "E", 4: (120.0, 9.0, 18.0)}
    return exif.tobytes()


def tablet_suggestion(app, text="公园的滑梯坏了，希望快点修好") -> tuple[int, str]:
    with app.app_context():
        created = suggestions.create_suggestion(text=text, kind="problem", channel="web")
        db.session.commit()
        return created.suggestion.id, created.code


def answer(app, suggestion_id: int, why="因为安全最重要", next_steps="下周一修好") -> float:
    """Save a staff answer and commit; returns the time of the commit."""
    with app.app_context():
        answer_as_coordinator(
            db.session.get(Suggestion, suggestion_id), why=why, next_steps=next_steps
        )
        db.session.commit()
    return time.monotonic()


def test_a_whole_new_suggestion_with_photo_and_location(
    bot_app, api, running_bot, guardian, image_bytes
):
    guardian.consent()
    guardian.say("/new", expect="你想发送什么")
    guardian.press("问题", expect="在哪里")
    guardian.say("学校东门的路灯坏了，晚上放学很黑", expect="照片")
    guardian.photo(image_bytes("JPEG", exif=exif_with_gps()), expect="在哪里")
    guardian.location(30.27412, 120.15518, expect="孩子多大")
    guardian.press("9–11岁", expect="家人可以看到你写的原话吗")
    guardian.press("不可以，只看进度和答复", expect="其他小朋友可以看到这条吗")
    summary = guardian.press("不可以，不公开", expect="发送前请检查")
    assert "照片：有" in summary.text and "位置 30.274,120.155" in summary.text
    assert "家人可以看到原话：否" in summary.text and "其他小朋友可以看到：否" in summary.text
    done = guardian.press("确认发送", expect="查询码")

    code = done.text.split("查询码是：")[1].split("<b>")[1].split("</b>")[0]
    with bot_app.app_context():
        suggestion = db.session.scalar(select(Suggestion))
        assert suggestions.get_by_code(code, "test").id == suggestion.id
        assert suggestion.channel == "bot" and suggestion.kind == "problem"
        assert suggestion.place == "位置 30.274,120.155" and suggestion.age_band == "9-11"
        assert suggestion.contact.telegram_chat_id == CHAT
        assert suggestion.events[0].actor == "guardian"
        assert suggestion.family_may_read is False and not suggestion.public
        photo = db.session.scalar(select(Photo))
        assert b"PhoneMaker" not in photo.data and b"Exif" not in photo.data
        assert not Image.open(io.BytesIO(photo.data)).getexif()
        assert db.session.scalar(select(func.count()).select_from(Subscription)) == 1
    assert eventually(lambda: rows(bot_app, BotState) == 0), "no draft is left behind"
    assert any(c.method == "download" for c in api.calls)


def test_follow_a_tablet_suggestion(bot_app, api, running_bot, guardian):
    suggestion_id, code = tablet_suggestion(bot_app)
    guardian.consent()
    card = guardian.say(f"/follow {code}", expect="你已关注")
    # The child did not choose to share the words: status and the answer only.
    assert "滑梯" not in card.text and "孩子写的原话不会显示" in card.text
    guardian.say("/follow 熊猫 苹果 0000", expect="没有找到这个查询码")
    guardian.press("查询码", expect="请发送孩子的查询码")  # the menu's button
    guardian.say(code, expect="你已关注")
    mine = guardian.say("/mine", expect="我的建议")
    assert "滑梯" not in mine.text and "问题" in mine.text and "日发送" in mine.text
    with bot_app.app_context():
        assert db.session.scalar(select(Subscription.suggestion_id)) == suggestion_id


def test_answer_reaches_the_chat_quickly_and_is_rated(
    bot_app, api, start_bot, guardian, capsys, monkeypatch
):
    # Measured with the production polling interval of the outbox.
    monkeypatch.setitem(bot_app.config, "BOT_OUTBOX_INTERVAL", delivery.INTERVAL_SECONDS)
    start_bot()
    suggestion_id, code = tablet_suggestion(bot_app)
    guardian.consent()
    guardian.say(f"/follow {code}", expect="你已关注")

    mark = api.mark()
    saved = answer(bot_app, suggestion_id)
    pushed = api.wait_for(CHAT, "的答复", since=mark, timeout=5)
    latency = pushed.at - saved
    with capsys.disabled():
        print(f"\n[bot] staff answer reached the chat in {latency * 1000:.0f} ms")
    assert latency < 5
    assert "因为安全最重要" in pushed.text and "下周一修好" in pushed.text
    assert [b["text"] for b in pushed.buttons] == ["满意", "基本满意", "不满意"]

    guardian.press("不满意", expect="哪里不够好")
    guardian.say("路灯还是不亮", expect="重新研究")
    with bot_app.app_context():
        s = db.session.get(Suggestion, suggestion_id)
        assert s.status == Status.REOPENED and s.rating == "unsatisfied"
        assert s.rating_comment == "路灯还是不亮"

    mark = api.mark()
    answer(bot_app, suggestion_id, why="换了新的灯泡", next_steps="已经修好了")
    api.wait_for(CHAT, "换了新的灯泡", since=mark, timeout=5)
    guardian.press("满意", expect="谢谢你的评价")
    with bot_app.app_context():
        assert db.session.get(Suggestion, suggestion_id).status == Status.CLOSED
        pending = db.session.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.channel == "telegram", Outbox.delivered_at.is_(None))
        )
    assert pending == 0 or api.wait_for(CHAT, "已经评价", since=mark, timeout=5)


def test_delete_erases_the_contact_and_stops_news(bot_app, api, running_bot, guardian):
    suggestion_id, code = tablet_suggestion(bot_app)
    guardian.consent()
    guardian.say(f"/follow {code}", expect="你已关注")
    guardian.say("/delete", expect="确定删除吗")
    guardian.press("确定删除", expect="已删除")
    assert rows(bot_app, Contact) == 0 and rows(bot_app, Subscription) == 0
    assert eventually(lambda: rows(bot_app, BotState) == 0)
    mark = api.mark()
    answer(bot_app, suggestion_id)
    time.sleep(0.5)  # several delivery rounds
    assert api.sent(CHAT, since=mark) == []


def test_restart_in_the_middle_of_new_loses_nothing(bot_app, api, start_bot, guardian):
    first = start_bot()
    guardian.consent()
    guardian.say("/new", expect="你想发送什么")
    guardian.press("想法", expect="想法")
    guardian.say("希望图书馆周末开到晚上八点", expect="照片")
    first.stop()

    start_bot()
    guardian.press("跳过", expect="在哪里")
    guardian.press("城关街道", expect="孩子多大")
    guardian.press("6–8岁", expect="家人可以看到你写的原话吗")
    guardian.press("可以，家人可以看原话", expect="其他小朋友可以看到这条吗")
    guardian.press("不可以，不公开", expect="发送前请检查")
    guardian.press("确认发送", expect="查询码")
    with bot_app.app_context():
        s = db.session.scalar(select(Suggestion))
        assert s.text == "希望图书馆周末开到晚上八点" and s.kind == "idea"
        assert s.area.name == "城关街道" and s.age_band == "6-8"
        assert s.family_may_read is True


def test_restart_during_delivery_sends_the_unmarked_and_not_the_delivered(
    bot_app, api, start_bot, guardian
):
    suggestion_id, code = tablet_suggestion(bot_app)
    runner = start_bot()
    guardian.consent()
    guardian.say(f"/follow {code}", expect="你已关注")
    runner.stop()

    with bot_app.app_context():
        contact = guardians.contact_for(CHAT)
        payload = {"type": "status", "suggestion_id": suggestion_id, "status": "accepted"}
        delivered = outbox.enqueue("telegram", str(contact.id), {**payload, "action": "returned"})
        crashed = outbox.enqueue("telegram", str(contact.id), {**payload, "action": "accepted"})
        db.session.flush()
        # A bot claimed both, sent both, marked one and died before marking the other;
        # its lease has run out since.
        outbox.claim_due("telegram", lease_seconds=30, now=utcnow() - timedelta(seconds=60))
        outbox.mark_delivered(delivered.id)
        db.session.commit()
        crashed_id = crashed.id

    mark = api.mark()
    start_bot()
    api.wait_for(CHAT, "已经开始办理", since=mark, timeout=5)
    time.sleep(0.3)  # a few more rounds: nothing else goes out
    assert [c.text for c in api.sent(CHAT, since=mark) if "找能帮忙" in c.text] == []
    assert len(api.sent(CHAT, since=mark)) == 1
    with bot_app.app_context():
        assert db.session.get(Outbox, crashed_id).delivered_at is not None


def test_a_chat_that_blocked_the_bot_is_marked_and_not_retried(bot_app, api, running_bot, guardian):
    suggestion_id, code = tablet_suggestion(bot_app)
    guardian.consent()
    guardian.say(f"/follow {code}", expect="你已关注")
    api.blocked_chats.add(CHAT)
    mark = api.mark()
    answer(bot_app, suggestion_id)
    api.wait_for(CHAT, since=mark, method="sendMessage:403", timeout=5)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with bot_app.app_context():
            contact = guardians.contact_for(CHAT)
            message = db.session.scalar(select(Outbox).where(Outbox.channel == "telegram"))
            if contact.blocked_at and message.failed_at:
                break
        time.sleep(0.05)
    assert contact.blocked_at is not None and message.last_error == "blocked"
    time.sleep(0.3)
    assert api.count("sendMessage:403") == 1


def test_a_server_error_is_retried_after_a_back_off(bot_app, api, running_bot, guardian):
    suggestion_id, code = tablet_suggestion(bot_app)
    guardian.consent()
    guardian.say(f"/follow {code}", expect="你已关注")
    api.failures["sendMessage"] = [500]
    mark = api.mark()
    answer(bot_app, suggestion_id)
    failed = api.wait_for(CHAT, since=mark, method="sendMessage:500", timeout=5)
    sent = api.wait_for(CHAT, "的答复", since=mark, timeout=8)
    assert 1.5 < sent.at - failed.at < 5  # backoff_seconds(1) == 2

    def delivered():
        with bot_app.app_context():
            message = db.session.scalar(select(Outbox).where(Outbox.channel == "telegram"))
            return message if message.delivered_at else None

    message = eventually(delivered)
    assert message.attempts == 1 and message.last_error == "NetworkError"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode(bot_app, api, start_bot, monkeypatch):
    from bot.webhook import secret_token

    port = _free_port()
    monkeypatch.setitem(bot_app.config, "TELEGRAM_WEBHOOK_URL", "https://bot.example.org/tg/hook")
    monkeypatch.setitem(bot_app.config, "TELEGRAM_WEBHOOK_PORT", port)
    start_bot(webhook_mode=True)
    registered = api.wait_for(None, method="setWebhook", timeout=5)
    assert registered.params["url"] == "https://bot.example.org/tg/hook"

    def post(update: dict, secret: str) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/tg/hook",
            data=json.dumps(update).encode(),
            method="POST",
            headers={"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert post(api.message_update(CHAT, text="/start"), "wrong") == 403
    assert post(api.message_update(CHAT, text="/start"), secret_token(bot_app)) == 200
    # Answered only after it was handled: the reply is already there.
    assert "你同意吗" in api.sent(CHAT)[-1].text
    assert len(api.sent(CHAT)) == 1
