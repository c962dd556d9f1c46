"""Webhook mode: a small HTTP endpoint Telegram posts updates to (production).

PTB's own webhook server needs tornado, which we do not install; this one uses
asyncio streams. Put it behind the reverse proxy that terminates TLS. Telegram
proves each request with the secret token it was given at setWebhook (derived
from SECRET_KEY, so it survives restarts). An update is answered 200 only after
it was handled, one at a time, so a crash makes Telegram send it again (and the
update id check in bot.handlers keeps it from being handled twice).
"""

import asyncio
import hashlib
import hmac
import json
import logging
from urllib.parse import urlsplit

from flask import Flask
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
READ_TIMEOUT_SECONDS = 10
SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 (a header name)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8443
REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    500: "Internal Server Error",
}


def secret_token(app: Flask) -> str:
    """The token Telegram sends with every update (letters and digits, from SECRET_KEY)."""
    key = app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"telegram-webhook", hashlib.sha256).hexdigest()


def listen_address(app: Flask) -> tuple[str, int, str]:
    """Host, port and path to listen on; the path is the one of TELEGRAM_WEBHOOK_URL."""
    path = urlsplit(app.config["TELEGRAM_WEBHOOK_URL"]).path or "/"
    return (
        app.config.get("TELEGRAM_WEBHOOK_HOST", DEFAULT_HOST),
        int(app.config.get("TELEGRAM_WEBHOOK_PORT", DEFAULT_PORT)),
        path,
    )


async def start(application: Application, app: Flask) -> asyncio.Server:
    """Listen for updates and tell Telegram where to send them."""
    host, port, path = listen_address(app)
    secret = secret_token(app)
    lock = asyncio.Lock()  # updates are handled in order, like polling

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        status = 400
        try:
            status = await asyncio.wait_for(
                _request(reader, application, path, secret, lock), READ_TIMEOUT_SECONDS * 6
            )
        except (asyncio.IncompleteReadError, TimeoutError, ValueError, UnicodeDecodeError):
            status = 400
        except Exception as exc:
            log.error("webhook request failed: %s", type(exc).__name__)
            status = 500
        finally:
            reason = REASONS.get(status, "")
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\n"
                f"Connection: close\r\n\r\n".encode()
            )
            try:
                await writer.drain()
            finally:
                writer.close()

    server = await asyncio.start_server(handle, host, port)
    await application.bot.set_webhook(
        url=app.config["TELEGRAM_WEBHOOK_URL"],
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
    )
    log.info("webhook listening on %s:%s", host, port)
    return server


async def _request(reader, application, path, secret, lock) -> int:
    request_line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_SECONDS)
    method, target, _version = request_line.decode("latin-1").split(" ", 2)
    headers = {}
    while True:
        line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_SECONDS)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _sep, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if method != "POST" or urlsplit(target).path != path:
        return 404
    if not hmac.compare_digest(headers.get(SECRET_HEADER, ""), secret):
        return 403
    length = int(headers.get("content-length", "0"))
    if length > MAX_BODY_BYTES:
        return 413
    body = await asyncio.wait_for(reader.readexactly(length), READ_TIMEOUT_SECONDS)
    update = Update.de_json(json.loads(body), application.bot)
    async with lock:
        await application.process_update(update)
    return 200
