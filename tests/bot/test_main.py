"""Starting the bot: configuration and the CLI."""

from bot.main import build_application, file_url


def test_without_a_token_the_cli_says_so_and_returns(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "TELEGRAM_TOKEN", None)
    result = runner.invoke(args=["bot"])
    assert result.exit_code == 0
    assert "TELEGRAM_TOKEN is not set: the bot is not started" in result.output


def test_webhook_needs_its_url(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "TELEGRAM_TOKEN", "1:x")
    monkeypatch.setitem(app.config, "TELEGRAM_WEBHOOK_URL", None)
    result = runner.invoke(args=["bot", "--webhook"])
    assert result.exit_code == 0 and "TELEGRAM_WEBHOOK_URL is not set" in result.output


def test_file_url_goes_with_the_base_url():
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"


def test_the_application_uses_the_configured_api(bot_app, api):
    application = build_application(bot_app)
    assert application.bot.base_url == f"{api.base_url}{application.bot.token}"
    assert application.bot.base_file_url.startswith(f"http://127.0.0.1:{api.port}/file/bot")
    assert application.persistence is not None
