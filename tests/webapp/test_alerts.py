"""Alerts that reach a person: a real SMTP server (aiosmtpd), a real HTTP receiver for the
webhook and Telegram, the real worker loop in a thread, the real analysis and database."""

import email
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from helpers import PASSWORD, answer_as_coordinator
from sqlalchemy import func, select

import moderation
from webapp.cli import run_worker
from webapp.extensions import db
from webapp.models import Alert, AlertKind, Danger, Event, Outbox, StaffUser, Suggestion, utcnow
from webapp.services import (
    alert_delivery,
    alerts,
    casework,
    errors,
    outbox,
    rosters,
    staff,
    suggestions,
)

URGENT_TEXT = "我表妹放学没回家，电话手表也关机了，已经四个小时了"  # a missing child: police
REVIEW_TEXT = "同桌总是抢我的东西还推我"
WINDOW_MINUTES = 0.05  # 3 seconds to acknowledge, so escalation is seen in a test
TOKEN = "123456:TEST-duty"


# --- a real SMTP server and a real HTTP receiver ---------------------------------------------


@dataclass
class Mail:
    to: list
    subject: str
    body: str
    at: float = field(default_factory=time.monotonic)


class Inbox:
    """An aiosmtpd handler that keeps every message and refuses chosen addresses (550)."""

    def __init__(self):
        self.mails: list[Mail] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.mails.append(
                Mail(list(envelope.rcpt_tos), str(message["subject"]), message.get_content())
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Mail]:
        with self.lock:
            return [m for m in self.mails if address in m.to]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Post:
    path: str
    body: dict
    at: float = field(default_factory=time.monotonic)


class Receiver:
    """An HTTP server on 127.0.0.1 that records JSON POSTs: a group robot and the Bot API."""

    def __init__(self):
        self.posts: list[Post] = []
        self.failures: dict[str, float] = {}  # path -> how many more 500s to answer
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                path = urlsplit(self.path).path
                with receiver.lock:
                    receiver.posts.append(Post(path, body))
                    failing = receiver.failures.get(path, 0) > 0
                    if failing:
                        receiver.failures[path] -= 1
                answer = (
                    {"ok": True, "result": {"message_id": 1}}
                    if path.endswith("/sendMessage")
                    else {"errcode": 0, "errmsg": "ok"}
                )
                data = json.dumps(answer).encode()
                self.send_response(500 if failing else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def to(self, path: str) -> list[Post]:
        with self.lock:
            return [p for p in self.posts if p.path == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Worker:
    """The real worker loop (webapp.cli.run_worker) in a thread, with a short interval."""

    def __init__(self, app, interval=0.1):
        self.round_ends: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=run_worker,
            args=(app,),
            daemon=True,
            name="worker",
            kwargs={
                "interval": interval,
                "stop": self.stop,
                "on_round": lambda: self.round_ends.append(time.monotonic()),
            },
        )

    def start(self):
        self.thread.start()
        return self

    def rounds_after(self, moment: float, count: int = 2, timeout: float = 30):
        """Wait until `count` rounds ended after `moment` (so at least one started after it)."""
        wait_for(lambda: sum(end > moment for end in self.round_ends) >= count, timeout)

    def close(self):
        self.stop.set()
        self.thread.join(10)


def wait_for(condition, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def inbox(app, monkeypatch):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "tongyan@city.example")
    yield handler
    controller.stop()


@pytest.fixture
def receiver(app, monkeypatch):
    server = Receiver()
    monkeypatch.setitem(app.config, "TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "TELEGRAM_API_BASE_URL", f"{server.url}/bot")
    yield server
    server.close()


@pytest.fixture
def short_windows(app, monkeypatch):
    monkeypatch.setitem(app.config, "URGENT_ACK_MINUTES", WINDOW_MINUTES)
    monkeypatch.setitem(app.config, "REVIEW_ACK_MINUTES", WINDOW_MINUTES)
    monkeypatch.setitem(app.config, "ALERT_SEND_ATTEMPTS", 2)


@pytest.fixture
def worker(app, ctx, inbox, receiver, short_windows):
    moderation.warm_up()  # production loads the models before serving; so does the test
    running = Worker(app).start()
    yield running
    running.close()


def contact(agency, **way):
    return rosters.add_contact(None, agency, **way)


def words_of(text: str) -> list[str]:
    """Every run of four characters of the child's text that holds no punctuation."""
    return [text[i : i + 4] for i in range(len(text) - 3) if not re.search(r"\W", text[i : i + 4])]


def assert_no_words(message: str, suggestion: Suggestion) -> None:
    assert suggestion.text not in message
    assert suggestion.redacted_text and suggestion.redacted_text not in message
    leaked = [
        w for w in words_of(suggestion.text) + words_of(suggestion.redacted_text) if w in message
    ]
    assert not leaked, f"the alert carries the child's words: {leaked}"


def new_suggestion(text=URGENT_TEXT, **fields) -> Suggestion:
    s = suggestions.create_suggestion(text=text, kind="problem", channel="web", **fields).suggestion
    db.session.commit()
    return s


def review_item(text=REVIEW_TEXT) -> Suggestion:
    """A review item from text the analysis flags for review; while the analysis is being
    reworked, the level is raised on the stored item through the same service instead."""
    s = suggestions.create_suggestion(text=text, kind="problem", channel="web").suggestion
    if s.danger != Danger.REVIEW:
        assert s.danger == Danger.NONE
        casework.raise_danger(s, Danger.REVIEW, ("violence",), source="test")
    db.session.commit()
    return s


def actions(s: Suggestion) -> list[str]:
    return list(
        db.session.scalars(
            select(Event.action).where(Event.suggestion_id == s.id).order_by(Event.id)
        )
    )


def fresh_actions(s: Suggestion) -> list[str]:
    """The item's history as the worker thread has committed it by now."""
    db.session.rollback()
    return actions(s)


def login(client, email):
    return client.post("/staff/login", data={"email": email, "password": PASSWORD})


def acknowledge_by_link(client, mail_body: str):
    """Follow the 认领 link of an alert: confirmation page, then the button."""
    link = re.search(r"(http\S+/ack)\b", mail_body).group(1)
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200 and "好的，由我处理：认领" in page.get_data(as_text=True)
    return client.post(path)


# --- the end-to-end rounds -----------------------------------------------------------------


def test_urgent_alert_reaches_email_and_webhook_moves_on_and_stops_when_acknowledged(
    app, client, make_staff, worker, inbox, receiver
):
    for address in ("first@police.example", "second@police.example", "third@police.example"):
        contact("police", email=address)
    contact("coord", webhook_url=f"{receiver.url}/robot")
    contact("coord", email="second@coord.example")
    db.session.commit()
    make_staff("police", "staff")

    submitted = time.monotonic()
    s = new_suggestion()
    assert s.urgent and s.agency.code == "police"

    first = wait_for(lambda: inbox.to("first@police.example"), 60, "the first duty e-mail")[0]
    hook = wait_for(lambda: receiver.to("/robot"), 60, "the webhook")[0]
    latency = max(first.at, hook.at) - submitted
    print(
        f"\nurgent alert: e-mail after {first.at - submitted:.2f}s, "
        f"webhook after {hook.at - submitted:.2f}s"
    )
    assert latency < 60
    assert hook.body["msgtype"] == "text" and set(hook.body["text"]) == {"content"}
    for message in (first.subject + first.body, hook.body["text"]["content"]):
        assert f"#{s.id}" in message and "可能有孩子走失" in message and "北京时间" in message
        assert f"/staff/items/{s.id}/ack" in message
        assert_no_words(message, s)
    assert not inbox.to("second@police.example")  # not before the window

    # Not acknowledged within the window: the next contact of both rosters.
    wait_for(lambda: inbox.to("second@police.example"), 30, "the second police contact")
    wait_for(lambda: inbox.to("second@coord.example"), 30, "the second coordinator contact")
    wait_for(lambda: fresh_actions(s).count("alert_sent") == 4, 10, "four sends recorded")
    assert "alert_escalated" in actions(s)

    # 认领 through the link in the e-mail: it stops.
    login(client, "staff.police@city.example")
    response = acknowledge_by_link(client, inbox.to("second@police.example")[0].body)
    assert response.status_code == 302
    acknowledged = time.monotonic()
    db.session.expire_all()
    alert = db.session.scalars(select(Alert).where(Alert.suggestion_id == s.id)).one()
    assert alert.acknowledged_at and alert.acknowledged_by.email == "staff.police@city.example"
    worker.rounds_after(acknowledged + WINDOW_MINUTES * 60 + 0.5)
    assert not inbox.to("third@police.example")
    assert len(receiver.to("/robot")) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1  # nothing undelivered
    assert "alert_acknowledged" in actions(s)


def test_review_alert_reaches_the_coordinators_roster_moves_on_and_stops(
    app, client, make_staff, worker, inbox, receiver
):
    contact("coord", webhook_url=f"{receiver.url}/robot")
    contact("coord", email="second@coord.example")
    contact("coord", email="third@coord.example")
    contact("edu", email="duty@edu.example")  # reviews are the coordinator's, not the agency's
    db.session.commit()
    make_staff("coord", "coordinator")

    submitted = time.monotonic()
    s = review_item()
    assert s.danger == Danger.REVIEW and not s.urgent and s.queue_rank == 1

    hook = wait_for(lambda: receiver.to("/robot"), 60, "the webhook")[0]
    print(f"\nreview alert: webhook after {hook.at - submitted:.2f}s")
    assert hook.at - submitted < 60
    content = hook.body["text"]["content"]
    assert "今日复核" in content and f"#{s.id}" in content
    assert_no_words(content, s)

    second = wait_for(lambda: inbox.to("second@coord.example"), 30, "the second contact")[0]
    assert_no_words(second.subject + second.body, s)
    assert not inbox.to("duty@edu.example")

    login(client, "coordinator.coord@city.example")
    board = client.get("/staff/?view=review").get_data(as_text=True)
    assert f'data-item="{s.id}"' in board and "未认领" in board
    assert acknowledge_by_link(client, second.body).status_code == 302
    acknowledged = time.monotonic()
    worker.rounds_after(acknowledged + WINDOW_MINUTES * 60 + 0.5)
    assert not inbox.to("third@coord.example")
    assert len(receiver.to("/robot")) == 1


# --- delivery: de-duplicated, failures escalate, nothing dropped ------------------------------


def test_the_same_key_enqueued_twice_is_sent_once(app, ctx, inbox, receiver, short_windows):
    only = contact("coord", email="duty@coord.example")
    s = review_item()
    alert = db.session.scalars(select(Alert).where(Alert.suggestion_id == s.id)).one()
    key = f"alert:{alert.id}:0:{only.id}"
    again = outbox.enqueue(
        "agency",
        f"duty:{only.id}",
        {"type": "alert", "alert_id": alert.id, "step": 0, "contact_id": only.id},
        s,
        dedup_key=key,
    )
    db.session.commit()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.channel == "agency")
        )
        == 1
        and again.dedup_key == key
    )
    run_worker(app, once=True)
    run_worker(app, once=True)
    assert len(inbox.to("duty@coord.example")) == 1


def test_a_delivery_that_finally_fails_moves_the_alert_on_at_once(
    app, ctx, inbox, receiver, monkeypatch, short_windows
):
    monkeypatch.setitem(app.config, "URGENT_ACK_MINUTES", 30)  # only failures move it on
    inbox.refuse.add("gone@police.example")
    receiver.failures["/robot"] = float("inf")
    contact("police", email="gone@police.example")
    contact("police", email="next@police.example")
    contact("coord", webhook_url=f"{receiver.url}/robot")
    db.session.commit()
    running = Worker(app).start()
    try:
        s = new_suggestion()
        wait_for(lambda: inbox.to("next@police.example"), 30, "the next contact")
        # The failing webhook is retried with back-off, then given up with an event.
        wait_for(lambda: len(receiver.to("/robot")) >= 2, 30, "the webhook retry")
        wait_for(
            lambda: fresh_actions(s).count("alert_send_failed") == 2, 30, "both failures recorded"
        )
    finally:
        running.close()
    events = db.session.scalars(
        select(Event).where(Event.suggestion_id == s.id, Event.action == "alert_escalated")
    ).all()
    assert [e.detail["cause"] for e in events] == ["delivery_failed"]
    failed = db.session.scalars(select(Outbox).where(Outbox.failed_at.is_not(None))).all()
    assert {m.last_error for m in failed} == {"SMTPRecipientsRefused", "HTTP500"}


def test_nobody_left_raises_an_undelivered_alert_that_the_console_shows(
    app, client, make_staff, inbox, receiver, short_windows
):
    inbox.refuse.add("gone@police.example")
    with app.app_context():
        contact("police", email="gone@police.example")
        contact("coord", email="duty@coord.example")
        db.session.commit()
        s_id = new_suggestion().id
    for _ in range(3):
        run_worker(app, once=True)
    mails = inbox.to("duty@coord.example")
    assert [m.subject.split("：")[0] for m in mails] == ["【童言】紧急", "【童言】提醒未送达"]
    with app.app_context():
        kinds = db.session.scalars(
            select(Alert.kind).where(Alert.suggestion_id == s_id).order_by(Alert.id)
        ).all()
        assert kinds == [AlertKind.URGENT, AlertKind.UNDELIVERED]
        assert "alert_undelivered" in actions(db.session.get(Suggestion, s_id))
    make_staff("coord", "coordinator")
    login(client, "coordinator.coord@city.example")
    board = client.get("/staff/?view=urgent").get_data(as_text=True)
    assert f'data-item="{s_id}"' in board and "提醒未送达" in board


def test_nobody_on_any_roster_is_never_silent(app, ctx):
    s = new_suggestion()
    kinds = [a.kind for a in alerts.history(s)]
    assert kinds == [AlertKind.URGENT, AlertKind.UNDELIVERED]
    assert actions(s)[-1] == "alert_nobody_left"
    user = staff.create_staff("c@coord.example", PASSWORD, "coord", "coordinator")
    assert [row.suggestion.id for row in alerts.board(user, "urgent")] == [s.id]


def test_overdue_escalations_use_the_same_delivery(app, ctx, inbox, receiver, short_windows):
    contact("coord", email="duty@coord.example")
    s = new_suggestion("公园的路灯不亮了，希望快点修好")
    s.due_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    run_worker(app, once=True)  # the first round scans for overdue items
    mail = wait_for(lambda: inbox.to("duty@coord.example"), 10, "the overdue alert")[0]
    assert "超时" in mail.subject and f"#{s.id}" in mail.subject and "签收" in mail.body
    assert_no_words(mail.subject + mail.body, s)


def test_one_failing_send_does_not_stop_the_others(app, ctx, inbox, receiver, short_windows):
    contact("coord", webhook_url="http://127.0.0.1:9/nothing-listens-here")
    contact("police", email="duty@police.example")
    new_suggestion()
    run_worker(app, once=True)
    assert len(inbox.to("duty@police.example")) == 1
    message = db.session.scalars(
        select(Outbox).where(Outbox.recipient.like("duty:%"), Outbox.attempts == 1)
    ).one()
    assert message.delivered_at is None and message.last_error == "ConnectError"


# --- Telegram for linked staff --------------------------------------------------------------


def test_staff_link_telegram_and_get_alerts_there(
    app, client, make_staff, inbox, receiver, short_windows
):
    make_staff("police", "staff")
    make_staff("coord", "coordinator")
    login(client, "staff.police@city.example")
    page = client.post("/staff/telegram/code")
    assert page.headers["Cache-Control"] == "no-store"
    code = re.search(r"/duty ([A-Z0-9]{8})", page.get_data(as_text=True)).group(1)
    with app.app_context():
        assert db.session.scalar(
            select(StaffUser.telegram_link_hash).where(
                StaffUser.email == "staff.police@city.example"
            )
        ) not in (None, code)
        assert rosters.link_staff_chat(code.lower(), 4242) is True  # as the bot calls it
        assert rosters.link_staff_chat(code, 4242) is False  # once only
        db.session.commit()
    assert "你的 Telegram 已绑定" in client.get("/staff/telegram").get_data(as_text=True)

    client.post("/staff/logout")
    login(client, "coordinator.coord@city.example")
    form = client.get("/staff/duty").get_data(as_text=True)
    assert "staff.police@city.example" in form  # a linked staff member can be put on a roster
    added = client.post(
        "/staff/duty", data={"agency": "police", "staff_email": "staff.police@city.example"}
    )
    assert added.status_code == 302
    with app.app_context():
        s = new_suggestion()
        run_worker(app, once=True)
        sent = receiver.to(f"/bot{TOKEN}/sendMessage")
        assert [p.body["chat_id"] for p in sent] == [4242]
        assert "紧急" in sent[0].body["text"]
        assert_no_words(sent[0].body["text"], s)


def test_link_codes_expire_and_refuse_bad_input(ctx):
    user = staff.create_staff("s@police.example", PASSWORD, "police", "staff")
    code = rosters.new_link_code(user)
    assert rosters.link_staff_chat("WRONG123", 1) is False
    assert rosters.link_staff_chat(code, "1") is False  # not a chat id
    assert rosters.link_staff_chat(None, 1) is False
    user.telegram_link_expires_at = utcnow() - timedelta(seconds=1)
    assert rosters.link_staff_chat(code, 1) is False
    code = rosters.new_link_code(user)
    assert rosters.link_staff_chat(f" {code[:4]}-{code[4:]} ", 77) is True
    assert user.telegram_chat_id == 77 and user.telegram_link_hash is None
    other = staff.create_staff("t@police.example", PASSWORD, "police", "staff")
    assert rosters.link_staff_chat(rosters.new_link_code(other), 77) is True
    assert (user.telegram_chat_id, other.telegram_chat_id) == (None, 77)  # one chat, one person


# --- rosters ----------------------------------------------------------------------------------


def test_roster_rules(ctx):
    assert contact("coord", email="a@coord.example").position == 1
    assert (
        contact(
            "coord", webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
        ).position
        == 2
    )
    with pytest.raises(rosters.AlreadyOnRoster):
        contact("coord", email="a@coord.example")
    for bad in ("not an address", "a@b", "x@y.com\nBcc: z@w.com", "a,b@c.com"):
        with pytest.raises(rosters.BadEmail):
            contact("coord", email=bad)
    for bad in ("ftp://robot.example/x", "javascript:alert(1)", "https://", "http://h:port/"):
        with pytest.raises(rosters.BadWebhook):
            contact("coord", webhook_url=bad)
    with pytest.raises(rosters.OneWayOnly):
        contact("coord", email="b@coord.example", webhook_url="https://robot.example/")
    staff.create_staff("u@urban.example", PASSWORD, "urban", "staff")
    with pytest.raises(rosters.StaffNotLinked):
        contact("urban", staff_email="u@urban.example")
    user = staff.create_staff("v@urban.example", PASSWORD, "urban", "staff")
    user.telegram_chat_id = 99
    with pytest.raises(rosters.StaffOfAnotherAgency):
        contact("police", staff_email="v@urban.example")
    assert contact("urban", staff_email="v@urban.example").staff is user
    first = rosters.roster(casework.agency_by_code("coord"))[0]
    assert not rosters.deactivate_contact(None, first.id).active
    # Order is the order added, kept after removals; a webhook's key is never shown.
    assert [rosters.describe(c) for c in rosters.roster(casework.agency_by_code("coord"))] == [
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…"
    ]
    assert contact("coord", email="c@coord.example").position == 3
    with pytest.raises(errors.NotAllowed):
        rosters.add_contact(user, "coord", email="d@coord.example")


def test_duty_contact_command(runner, app):
    ok = runner.invoke(
        args=["duty-contact", "--agency", "police", "--email", "duty@police.example"]
    )
    assert ok.exit_code == 0 and "place 1" in ok.output
    hook = runner.invoke(
        args=[
            "duty-contact",
            "--agency",
            "coord",
            "--webhook",
            "https://oapi.dingtalk.com/robot/send?access_token=secret",
        ]
    )
    assert hook.exit_code == 0
    bad = runner.invoke(args=["duty-contact", "--agency", "police", "--email", "nope"])
    assert bad.exit_code != 0 and "请输入有效的邮箱地址" in bad.output
    ftp = runner.invoke(args=["duty-contact", "--agency", "police", "--webhook", "ftp://x.example"])
    assert ftp.exit_code != 0 and "https://" in ftp.output
    unknown = runner.invoke(args=["duty-contact", "--agency", "mars", "--email", "a@b.example"])
    assert unknown.exit_code != 0
    listed = runner.invoke(args=["duty-contact", "--list"])
    assert "duty@police.example" in listed.output and "secret" not in listed.output
    with app.app_context():
        first = rosters.roster(casework.agency_by_code("police"))[0].id
    removed = runner.invoke(args=["duty-contact", "--remove", str(first)])
    assert removed.exit_code == 0
    assert "duty@police.example" not in runner.invoke(args=["duty-contact", "--list"]).output
    again = runner.invoke(args=["duty-contact", "--remove", str(first)])
    assert again.exit_code != 0 and "没有这个值班联系人" in again.output


def test_roster_pages_are_the_coordinators(client, make_staff, app):
    make_staff("urban", "staff")
    login(client, "staff.urban@city.example")
    assert client.get("/staff/duty").status_code == 403
    assert (
        client.post("/staff/duty", data={"agency": "urban", "email": "x@y.example"}).status_code
        == 403
    )
    client.post("/staff/logout")
    make_staff("coord", "coordinator")
    login(client, "coordinator.coord@city.example")
    bad = client.post("/staff/duty", data={"agency": "urban", "email": "not-an-address"})
    assert bad.status_code == 400 and "请输入有效的邮箱地址" in bad.get_data(as_text=True)
    assert (
        client.post(
            "/staff/duty", data={"agency": "urban", "email": "duty@urban.example"}
        ).status_code
        == 302
    )
    page = client.get("/staff/duty").get_data(as_text=True)
    assert "duty@urban.example" in page
    with app.app_context():
        contact_id = rosters.roster(casework.agency_by_code("urban"))[0].id
    assert client.post(f"/staff/duty/{contact_id}/remove").status_code == 302
    assert "duty@urban.example" not in client.get("/staff/duty").get_data(as_text=True)
    assert client.post("/staff/duty/999999/remove", follow_redirects=True).status_code == 200


# --- acknowledging: link, button, who may -----------------------------------------------------


def test_acknowledge_by_link_needs_login_and_by_button_on_the_item(client, make_staff, app):
    with app.app_context():
        item = new_suggestion().id
        other = new_suggestion().id
    path = f"/staff/items/{item}/ack"
    anonymous = client.get(path)
    assert anonymous.status_code == 401 and f"next={path}" in anonymous.get_data(as_text=True)
    make_staff("police", "staff")
    response = client.post(
        f"/staff/login?next={path}",
        data={"email": "staff.police@city.example", "password": PASSWORD},
    )
    assert response.headers["Location"] == path
    assert "好的，由我处理：认领" in client.get(path).get_data(as_text=True)
    assert client.post(path).status_code == 302
    again = client.post(path, follow_redirects=True).get_data(as_text=True)
    assert "已经有人认领了" in again

    page = client.get(f"/staff/items/{other}").get_data(as_text=True)
    assert f'action="/staff/items/{other}/ack"' in page and "未认领" in page
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/staff/items/{other}/ack").status_code == 400
        page = client.get(f"/staff/items/{other}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert (
            client.post(f"/staff/items/{other}/ack", data={"csrf_token": token}).status_code == 302
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        assert all(a.acknowledged_at for a in db.session.scalars(select(Alert)))


def test_only_the_owner_or_the_coordinator_acknowledges(client, make_staff, app):
    with app.app_context():
        item = new_suggestion().id
    make_staff("urban", "staff")
    login(client, "staff.urban@city.example")
    assert client.get(f"/staff/items/{item}/ack").status_code == 404  # not their item
    assert client.post(f"/staff/items/{item}/ack").status_code == 404
    assert client.get("/staff/items/abc/ack").status_code == 404
    with app.app_context():
        s = db.session.get(Suggestion, item)
        outsider = db.session.scalar(select(StaffUser))
        with pytest.raises(alerts.NotYourItem):
            alerts.acknowledge(outsider, s)
        assert alerts.open_alerts(s)


def test_acknowledge_through_the_staff_api(client, make_staff, app):
    with app.app_context():
        item = new_suggestion().id
    make_staff("police", "staff")
    token = client.post(
        "/api/v1/staff/token", json={"email": "staff.police@city.example", "password": PASSWORD}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    detail = client.get(f"/api/v1/staff/items/{item}", headers=headers).get_json()
    assert detail["danger"] == "urgent" and detail["alerts"][0]["acknowledged_at"] is None
    assert "text" not in detail["alerts"][0]
    acked = client.post(f"/api/v1/staff/items/{item}/ack", headers=headers)
    assert acked.status_code == 200 and acked.get_json()["alerts"][0]["acknowledged_at"]
    again = client.post(f"/api/v1/staff/items/{item}/ack", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"] == "nothing_to_acknowledge"


def test_accepting_an_urgent_item_settles_its_alert(ctx):
    user = staff.create_staff("p@police.example", PASSWORD, "police", "staff")
    s = new_suggestion()
    casework.accept(user, s)
    assert all(a.acknowledged_at for a in alerts.history(s))


def test_an_urgent_item_transferred_alerts_the_new_owner(ctx):
    contact("edu", email="duty@edu.example")
    user = staff.create_staff("p@police.example", PASSWORD, "police", "staff")
    s = new_suggestion()
    casework.transfer(user, s, "edu", "校内欺凌归教育局")
    urgent = [a for a in alerts.history(s) if a.kind == AlertKind.URGENT]
    assert [(a.agency.code, bool(a.acknowledged_at)) for a in urgent] == [
        ("police", True),
        ("edu", False),
    ]


# --- the coordinator's urgent and review views ----------------------------------------------------


def test_urgent_view_lists_unacknowledged_first_with_minutes_waited(client, make_staff, app):
    with app.app_context():
        acked, older, newer = (new_suggestion() for _ in range(3))
        user = staff.create_staff("c@coord.example", PASSWORD, "coord", "coordinator")
        for s, minutes in ((acked, 50), (older, 40), (newer, 7)):
            for a in alerts.history(s):
                a.created_at = utcnow() - timedelta(minutes=minutes)
        alerts.acknowledge(user, acked)
        db.session.commit()
        ids = [acked.id, older.id, newer.id]
        rows = alerts.board(user, "urgent")
        assert [r.suggestion.id for r in rows] == [older.id, newer.id, acked.id]
        assert [r.waiting for r in rows] == [True, True, False]
        assert [r.late for r in rows] == [True, False, False]  # the 15 minutes are over
    login(client, "c@coord.example")
    page = client.get("/staff/?view=urgent").get_data(as_text=True)
    positions = [page.index(f'data-item="{i}"') for i in (ids[1], ids[2], ids[0])]
    assert positions == sorted(positions)
    assert "未认领：已等 40 分钟" in page and "未认领：已等 7 分钟" in page
    assert "2 条未认领" in page


def test_review_clear_or_raise_to_urgent(client, make_staff, app):
    with app.app_context():
        cleared, raised = review_item().id, review_item().id
    make_staff("coord", "coordinator")
    login(client, "coordinator.coord@city.example")
    page = client.get(f"/staff/items/{cleared}").get_data(as_text=True)
    assert "已复核：没有危险" in page and "升为紧急" in page
    assert client.post(f"/staff/items/{cleared}/clear_review").status_code == 302
    assert client.post(f"/staff/items/{raised}/raise_urgent").status_code == 302
    with app.app_context():
        c, r = db.session.get(Suggestion, cleared), db.session.get(Suggestion, raised)
        assert c.danger == Danger.NONE and "danger_cleared" in actions(c)
        assert all(a.acknowledged_at for a in alerts.history(c))
        assert r.danger == Danger.URGENT and r.urgent and r.queue_rank == 0
        assert r.agency.code != "coord"  # urgent items are never left in triage
        assert [
            (a.kind, bool(a.acknowledged_at))
            for a in alerts.history(r)
            if a.kind != AlertKind.UNDELIVERED
        ] == [(AlertKind.REVIEW, True), (AlertKind.URGENT, False)]
        assert "danger_raised" in actions(r)
    # Cleared once, a second clear is refused kindly; only the coordinator reviews.
    again = client.post(f"/staff/items/{cleared}/clear_review", follow_redirects=True)
    assert "这条留言现在的状态不能做这个操作" in again.get_data(as_text=True)
    client.post("/staff/logout")
    make_staff("edu", "staff")
    login(client, "staff.edu@city.example")
    with app.app_context():
        other = review_item()
        casework.place_in_queue(other, casework.agency_by_code("edu"))
        db.session.commit()
        other_id = other.id
    refused = client.post(f"/staff/items/{other_id}/clear_review", follow_redirects=True)
    assert "只有协调办可以这样做" in refused.get_data(as_text=True)


def test_rating_comment_with_danger_makes_the_item_urgent(ctx):
    created = suggestions.create_suggestion(
        text="公园的路灯不亮了，希望快点修好", kind="problem", channel="web"
    )
    answer_as_coordinator(created.suggestion)
    s = suggestions.rate(created.code, "client", "satisfied", "谢谢。我现在在天台上，想跳下去")
    assert s.urgent and s.danger == Danger.URGENT and s.is_open
    assert s.status == "reopened" and s.agency.code == "health"
    assert "self_harm" in s.urgent_reasons
    assert [a.kind for a in alerts.history(s)][0] == AlertKind.URGENT
    event = [e for e in s.events if e.action == "danger_raised"][0]
    assert event.detail["source"] == "rating_comment"
    assert "天台" not in json.dumps(event.detail, ensure_ascii=False)


def test_an_alert_says_what_and_where_to_look_in_chinese(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_BASE_URL", "https://tongyan.example.gov.cn")
    s = new_suggestion()
    subject, text = alert_delivery.render(alerts.history(s)[0])
    assert subject == f"【童言】紧急：事项 #{s.id}"
    assert "责任单位：" in text and s.agency.name in text
    assert f"https://tongyan.example.gov.cn/staff/items/{s.id}/ack" in text
    assert not re.search(
        r"[A-Za-z]{4,}",
        text.replace("https://tongyan.example.gov.cn", "").replace("/staff/items", ""),
    )
    assert_no_words(subject + text, s)


def test_a_sender_asking_for_help_makes_a_review_item_urgent(ctx):
    item = review_item()
    casework.help_requested(item, "guardian")
    assert item.danger == Danger.URGENT and item.urgent and item.queue_rank == 0
    assert "danger_raised" in actions(item)
    assert AlertKind.URGENT in {a.kind for a in alerts.history(item)}
    # An ordinary item stays ordinary: the button only follows words that showed danger.
    plain = new_suggestion("图书馆能不能周末晚一点关门")
    casework.help_requested(plain, "guardian")
    assert plain.danger == Danger.NONE and not alerts.history(plain)
