"""The ways an alert leaves the platform: e-mail (SMTP), a group-robot webhook, Telegram.

Each sender takes an address and a text that carries no child's words, sends it once and
raises SendFailed when it could not: `permanent` when trying again cannot help (an address
the server refuses, a webhook that answers 404), so the alert moves down the roster at
once. Errors name only a class or a status code, never a message text or an address.

E-mail uses Flask-Mail (on PyPI, maintained by pallets-eco) for the message and the
SMTP session with the usual MAIL_* settings; only the connection is opened here, because
Flask-Mail opens SMTP without a time-out and a silent server would stall the worker.
"""

from __future__ import annotations

import smtplib

import flask_mail
import httpx
from flask import current_app


class SendFailed(Exception):
    """A send did not go through; `error` is short and safe to store and log."""

    def __init__(self, error: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.retry_after = retry_after


def _timeout() -> float:
    return float(current_app.config.get("ALERT_SEND_TIMEOUT", 10))


# --- e-mail -----------------------------------------------------------------------------


class _Connection(flask_mail.Connection):
    """Flask-Mail's SMTP session, opened with a time-out."""

    def configure_host(self) -> smtplib.SMTP:
        mail, timeout = self.mail, _timeout()
        if mail.use_ssl:
            host = smtplib.SMTP_SSL(mail.server, mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(mail.server, mail.port, timeout=timeout)
        if mail.use_tls:
            host.starttls()
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host


def _mail_state():
    """Flask-Mail's settings as the config says now (tests point them at a local server).
    Suppression stays off under TESTING: the tests deliver to a real SMTP server."""
    state = flask_mail.Mail().init_mail({**current_app.config, "MAIL_SUPPRESS_SEND": False})
    # flask_mail.Message reads app.extensions["mail"]; create_app does not bind Flask-Mail.
    current_app.extensions.setdefault("mail", state)
    return state


def send_email(address: str, subject: str, body: str) -> None:
    """Send one plain-text e-mail through the configured SMTP server."""
    state = _mail_state()
    message = flask_mail.Message(
        subject=subject, recipients=[address], body=body, sender=state.default_sender
    )
    try:
        with _Connection(state) as connection:
            connection.send(message)
    except smtplib.SMTPRecipientsRefused:
        raise SendFailed("SMTPRecipientsRefused", permanent=True) from None
    except smtplib.SMTPResponseException as exc:
        # 5xx: the server will refuse it again; 4xx: try later.
        raise SendFailed(f"SMTP{exc.smtp_code}", permanent=500 <= exc.smtp_code < 600) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(type(exc).__name__) from None
    except flask_mail.BadHeaderError:
        raise SendFailed("BadHeaderError", permanent=True) from None


# --- webhooks and Telegram over HTTP ----------------------------------------------------------


def _post(url: str, body: dict) -> httpx.Response:
    try:
        # No redirects: a webhook that moved is a configuration to fix, not a place to follow.
        return httpx.post(url, json=body, timeout=_timeout(), follow_redirects=False)
    except httpx.HTTPError as exc:
        raise SendFailed(type(exc).__name__) from None


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise SendFailed(f"HTTP{status}", retry_after=_retry_after(response))
    if status >= 300:
        raise SendFailed(f"HTTP{status}", permanent=True)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def send_webhook(url: str, text: str) -> None:
    """POST the text in the group-robot shape that 企业微信 and 钉钉 both accept."""
    response = _post(url, {"msgtype": "text", "text": {"content": text}})
    _check_status(response)
    errcode = _json(response).get("errcode", 0)
    if errcode not in (0, None):  # both robots answer 200 with an error code in the body
        raise SendFailed(f"errcode{errcode}"[:40])


def send_telegram(chat_id: int, text: str) -> None:
    """sendMessage to a staff member's linked chat through the bot's token."""
    config = current_app.config
    token = config.get("TELEGRAM_TOKEN")
    if not token:
        raise SendFailed("NoTelegramToken", permanent=True)
    url = f"{config['TELEGRAM_API_BASE_URL']}{token}/sendMessage"
    response = _post(
        url, {"chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": True}}
    )
    if response.status_code == 429:
        retry = (_json(response).get("parameters") or {}).get("retry_after")
        raise SendFailed("HTTP429", retry_after=float(retry) if retry else None)
    if response.status_code in (400, 403):  # chat not found, or the bot was blocked
        raise SendFailed(f"HTTP{response.status_code}", permanent=True)
    _check_status(response)
    if not _json(response).get("ok"):
        raise SendFailed("TelegramNotOk")
