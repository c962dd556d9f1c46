"""A local stand-in for the Telegram Bot API, on 127.0.0.1, for running the real bot.

The bot's base_url points here. It implements the methods the bot calls, serves
updates that tests queue (long polling, offsets like Telegram), serves files for
getFile downloads and records every call, so tests assert what the guardian saw.
Failures can be injected: a chat that blocked the bot (403) or a method that
answers 500 a number of times.
"""

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "童言", "username": "tongyan_test_bot"}
JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "link_preview_options",
    "entities",
    "reply_parameters",
    "scope",
}
GUARDIAN_CHAT = 700001  # the chat tests talk from
MAX_POLL_WAIT = 1.0  # seconds a getUpdates waits for news (the bot's own timeout may be longer)


@dataclass
class Call:
    method: str
    params: dict
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return self.params.get("text", "")

    @property
    def buttons(self) -> list[dict]:
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self._updates: list[dict] = []
        self._confirmed = 0  # updates below this id were confirmed by an offset
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._lock = threading.Condition()
        self.blocked_chats: set[int] = set()
        self.failures: dict[str, list[int]] = {}  # method -> statuses to answer, in order
        self.slow_send_seconds = 0.0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), name="fake-bot-api", daemon=True
        )

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> "FakeBotApi":
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --- what tests do as a guardian -------------------------------------------------------

    def _user(self, chat_id: int) -> dict:
        return {"id": chat_id, "is_bot": False, "first_name": "家长"}

    def _chat(self, chat_id: int) -> dict:
        return {"id": chat_id, "type": "private", "first_name": "家长"}

    def message_update(self, chat_id: int, **content) -> dict:
        """An update with a message from the guardian (not queued)."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._user(chat_id),
            **content,
        }
        text = content.get("text", "")
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def push(self, update: dict) -> dict:
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()
        return update

    def send_text(self, chat_id: int, text: str) -> dict:
        return self.push(self.message_update(chat_id, text=text))

    def send_photo(self, chat_id: int, data: bytes, file_id: str = "photo-1") -> dict:
        self.files[file_id] = data
        sizes = [
            {
                "file_id": f"{file_id}-small",
                "file_unique_id": f"{file_id}-s",
                "width": 32,
                "height": 24,
                "file_size": 100,
            },
            {
                "file_id": file_id,
                "file_unique_id": f"{file_id}-u",
                "width": 64,
                "height": 48,
                "file_size": len(data),
            },
        ]
        return self.push(self.message_update(chat_id, photo=sizes))

    def send_location(self, chat_id: int, latitude: float, longitude: float) -> dict:
        return self.push(
            self.message_update(chat_id, location={"latitude": latitude, "longitude": longitude})
        )

    def button_update(self, chat_id: int, label: str) -> dict:
        """An update pressing the newest button labelled `label` (substring) in the chat."""
        for sent in reversed(self.sent(chat_id)):
            for button in sent.buttons:
                if label in button["text"]:
                    message = {
                        "message_id": sent.params["_message_id"],
                        "date": int(time.time()),
                        "chat": self._chat(chat_id),
                        "from": BOT_USER,
                        "text": sent.text,
                    }
                    query = {
                        "id": str(next(self._callback_ids)),
                        "from": self._user(chat_id),
                        "chat_instance": str(chat_id),
                        "data": button["callback_data"],
                        "message": message,
                    }
                    return {"update_id": next(self._update_ids), "callback_query": query}
        raise AssertionError(
            f"no button {label!r} in chat {chat_id}: "
            f"{[b['text'] for c in self.sent(chat_id) for b in c.buttons]}"
        )

    def press(self, chat_id: int, label: str) -> dict:
        return self.push(self.button_update(chat_id, label))

    def membership_update(self, chat_id: int, status: str) -> dict:
        member = {"user": BOT_USER, "status": status}
        if status == "kicked":
            member["until_date"] = 0
        return {
            "update_id": next(self._update_ids),
            "my_chat_member": {
                "chat": self._chat(chat_id),
                "from": self._user(chat_id),
                "date": int(time.time()),
                "old_chat_member": {"user": BOT_USER, "status": "member"},
                "new_chat_member": member,
            },
        }

    # --- what tests look at -------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, since: int = 0) -> list[Call]:
        """Messages the bot sent (to one chat), in order."""
        with self._lock:
            calls = list(self.calls[since:])
        return [
            c
            for c in calls
            if c.method == "sendMessage" and (chat_id is None or c.chat_id == chat_id)
        ]

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)

    def wait_for(
        self,
        chat_id: int | None,
        contains: str = "",
        since: int = 0,
        timeout: float = 10,
        method: str = "sendMessage",
    ) -> Call:
        """The first call since `since` (to the chat, with `contains` in its text)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for call in self.calls[since:]:
                    if (
                        call.method == method
                        and (chat_id is None or call.chat_id == chat_id)
                        and contains in call.text
                    ):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    texts = [c.text[:80] for c in self.calls[since:] if c.method == method]
                    raise AssertionError(
                        f"no {method} with {contains!r} within {timeout}s; got {texts}"
                    )
                self._lock.wait(remaining)

    def wait_fetched(self, timeout: float = 10) -> None:
        """Until the bot has confirmed (by offset) every queued update."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while any(u["update_id"] >= self._confirmed for u in self._updates):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("updates not fetched")
                self._lock.wait(remaining)

    def count(self, method: str) -> int:
        with self._lock:
            return sum(1 for c in self.calls if c.method == method)

    # --- the HTTP side --------------------------------------------------------------------------

    def _record(self, method: str, params: dict) -> None:
        with self._lock:
            self.calls.append(Call(method, params))
            self._lock.notify_all()

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), MAX_POLL_WAIT)
        deadline = time.monotonic() + wait
        with self._lock:
            if offset:
                self._confirmed = max(self._confirmed, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self._lock.notify_all()
            while True:
                ready = [u for u in self._updates if u["update_id"] >= self._confirmed]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0:
                    return ready
                self._lock.wait(remaining)

    def _message(self, params: dict, **extra) -> dict:
        return {
            "message_id": params["_message_id"],
            "date": int(time.time()),
            "from": BOT_USER,
            "chat": self._chat(int(params["chat_id"])),
            **extra,
        }

    def answer(self, method: str, params: dict) -> tuple[int, dict]:
        statuses = self.failures.get(method)
        if statuses:
            status = statuses.pop(0)
            return status, {
                "ok": False,
                "error_code": status,
                "description": "Internal Server Error",
            }
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if method == "sendMessage":
            if int(params["chat_id"]) in self.blocked_chats:
                return 403, {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                }
            if self.slow_send_seconds:
                time.sleep(self.slow_send_seconds)
            params["_message_id"] = next(self._message_ids)
            extra = {"text": params.get("text", "")}
            if params.get("reply_markup"):
                extra["reply_markup"] = params["reply_markup"]
            return 200, {"ok": True, "result": self._message(params, **extra)}
        if method in ("editMessageText", "editMessageReplyMarkup"):
            params["_message_id"] = int(params.get("message_id", 0))
            return 200, {"ok": True, "result": self._message(params, text="")}
        if method == "getFile":
            file_id = params["file_id"]
            if file_id not in self.files:
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: wrong file_id",
                }
            return 200, {
                "ok": True,
                "result": {
                    "file_id": file_id,
                    "file_unique_id": f"{file_id}-u",
                    "file_size": len(self.files[file_id]),
                    "file_path": f"photos/{file_id}.jpg",
                },
            }
        if method in (
            "answerCallbackQuery",
            "setMyCommands",
            "deleteWebhook",
            "setWebhook",
            "close",
            "logOut",
        ):
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": f"Not Found: {method}"}

    def _handler_class(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # a long poll the bot gave up
                    pass

            def do_POST(self):
                prefix = f"/bot{TOKEN}/"
                path = unquote(self.path)
                if not path.startswith(prefix):
                    return self._reply(404, b"{}", "application/json")
                method = path[len(prefix) :]
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params = {}
                for key, value in parse_qsl(raw.decode(), keep_blank_values=True):
                    params[key] = json.loads(value) if key in JSON_FIELDS else value
                status, body = api.answer(method, params)
                if method != "getUpdates" or body.get("result"):
                    # A refused call is recorded as e.g. "sendMessage:403", not as sent.
                    api._record(method if status == 200 else f"{method}:{status}", params)
                self._reply(status, json.dumps(body).encode(), "application/json")

            def do_GET(self):
                prefix = f"/file/bot{TOKEN}/photos/"
                path = unquote(self.path)
                file_id = path[len(prefix) :].removesuffix(".jpg")
                if not path.startswith(prefix) or file_id not in api.files:
                    return self._reply(404, b"", "text/plain")
                api._record("download", {"file_id": file_id})
                self._reply(200, api.files[file_id], "image/jpeg")

        return Handler
