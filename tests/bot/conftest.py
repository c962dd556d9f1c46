"""Bot fixtures: a stand-in Bot API on loopback, the real bot pointed at it, a real database."""

import asyncio
import sys
import threading
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from telegram import Update

sys.path.insert(0, str(Path(__file__).parent))

from fakeapi import GUARDIAN_CHAT, TOKEN, Call, FakeBotApi  # noqa: E402

from bot.main import build_application, serve  # noqa: E402

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "webapp" / "translations" / "zh_Hans" / "LC_MESSAGES"
)


@pytest.fixture(scope="session", autouse=True)
def bot_catalogue():
    """`make` compiles bot.po; running pytest alone must show Chinese too."""
    po, mo = CATALOGUE / "bot.po", CATALOGUE / "bot.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source, locale="zh_Hans", domain="bot")
        with mo.open("wb") as target:
            write_mo(target, catalog)


@pytest.fixture(scope="session", autouse=True)
def analysis_loaded():
    """The bot analyses words as they arrive: load the models once, before any timed wait."""
    import moderation

    moderation.warm_up()


@pytest.fixture
def api():
    server = FakeBotApi().start()
    yield server
    server.close()


@pytest.fixture
def bot_app(app, fresh_database, api, monkeypatch):
    """The Flask app configured for the stand-in API, on a clean database."""
    monkeypatch.setitem(app.config, "TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "TELEGRAM_API_BASE_URL", api.base_url)
    monkeypatch.setitem(app.config, "BOT_OUTBOX_INTERVAL", 0.1)
    return app


class BotRunner:
    """The real bot (bot.main.serve, polling) in a thread with its own event loop."""

    def __init__(self, app, **options):
        self.app = app
        self.options = options
        self.error: BaseException | None = None

    def start(self, timeout: float = 15) -> "BotRunner":
        started = threading.Event()

        async def main():
            self.loop = asyncio.get_running_loop()
            self.stop_event = asyncio.Event()
            await serve(
                self.app,
                stop=self.stop_event,
                poll_timeout=1,
                on_started=started.set,
                **self.options,
            )

        def target():
            try:
                asyncio.run(main())
            except BaseException as exc:  # surfaced by start() or stop()
                self.error = exc
                started.set()

        self.thread = threading.Thread(target=target, name="bot", daemon=True)
        self.thread.start()
        assert started.wait(timeout), "the bot did not start"
        if self.error:
            raise self.error
        return self

    def stop(self, timeout: float = 15) -> None:
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.stop_event.set)
            self.thread.join(timeout)
        assert not self.thread.is_alive(), "the bot did not stop"
        if self.error:
            raise self.error


@pytest.fixture
def start_bot(bot_app):
    """Start (and at the end stop) as many bots in a row as a test needs."""
    runners = []

    def start(**options) -> BotRunner:
        runner = BotRunner(bot_app, **options).start()
        runners.append(runner)
        return runner

    yield start
    for runner in runners:
        runner.stop()


@pytest.fixture
def running_bot(start_bot):
    return start_bot()


class Guardian:
    """A guardian's chat with the bot: send something, wait for the bot's answer."""

    def __init__(self, api: FakeBotApi, chat_id: int = GUARDIAN_CHAT):
        self.api = api
        self.chat_id = chat_id

    def _then(self, push, expect: str, timeout: float) -> Call:
        mark = self.api.mark()
        push()
        return self.api.wait_for(self.chat_id, expect, since=mark, timeout=timeout)

    def say(self, text: str, expect: str = "", timeout: float = 10) -> Call:
        return self._then(lambda: self.api.send_text(self.chat_id, text), expect, timeout)

    def press(self, label: str, expect: str = "", timeout: float = 10) -> Call:
        return self._then(lambda: self.api.press(self.chat_id, label), expect, timeout)

    def photo(self, data: bytes, expect: str = "", timeout: float = 10) -> Call:
        return self._then(lambda: self.api.send_photo(self.chat_id, data), expect, timeout)

    def location(self, latitude: float, longitude: float, expect: str = "") -> Call:
        return self._then(
            lambda: self.api.send_location(self.chat_id, latitude, longitude), expect, 10
        )

    def consent(self) -> Call:
        self.say("/start", expect="你同意吗")
        return self.press("我同意", expect="代号")


@pytest.fixture
def guardian(api):
    return Guardian(api)


@pytest.fixture
def process(bot_app, api):
    """Unit tests of handlers: updates go to Application.process_update, no polling.

    process(*steps) runs the steps in one application's life; a step is an update
    dict or a function returning one (so a button press can see earlier replies).
    """

    def run(*steps) -> None:
        async def main():
            application = build_application(bot_app)
            async with application:
                for step in steps:
                    data = step() if callable(step) else step
                    await application.process_update(Update.de_json(data, application.bot))

        asyncio.run(main())

    return run
