"""Configuration classes, read from environment variables.

One name and one place per setting. A missing SECRET_KEY outside development
is an error at start: the tracking codes are keyed with it.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'tongyan.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # A 5 MB photo (services.photos.MAX_PHOTO_BYTES) plus the form fits in 6 MB;
    # larger requests are refused before they are read.
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024

    # Shared tablets return to the start after this long without a touch.
    KIOSK_IDLE_SECONDS = _env_int("KIOSK_IDLE_SECONDS", 180)
    # How long the confirmation page stays up on a kiosk so the code can be copied.
    KIOSK_DONE_SECONDS = _env_int("KIOSK_DONE_SECONDS", 120)

    # Failed tracking-code lookups allowed per client and window.
    LOOKUP_FAILURES_PER_WINDOW = _env_int("LOOKUP_FAILURES_PER_WINDOW", 10)
    LOOKUP_WINDOW_SECONDS = _env_int("LOOKUP_WINDOW_SECONDS", 15 * 60)

    DIRECTORY_FILE = os.environ.get(
        "DIRECTORY_FILE", str(BASE_DIR / "webapp" / "data" / "directory.yaml")
    )

    TELEGRAM_TOKEN = os.environ.get("TELEGRAM_TOKEN")
    TELEGRAM_API_BASE_URL = os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot")
    TELEGRAM_WEBHOOK_URL = os.environ.get("TELEGRAM_WEBHOOK_URL")
    # The webhook server listens here, behind a TLS proxy that TELEGRAM_WEBHOOK_URL points at.
    TELEGRAM_WEBHOOK_HOST = os.environ.get("TELEGRAM_WEBHOOK_HOST", "127.0.0.1")
    TELEGRAM_WEBHOOK_PORT = _env_int("TELEGRAM_WEBHOOK_PORT", 8443)
    BOT_UPDATES_PER_MINUTE = _env_int("BOT_UPDATES_PER_MINUTE", 30)  # per chat
    BOT_OUTBOX_INTERVAL = float(os.environ.get("BOT_OUTBOX_INTERVAL", 0.5))  # seconds
    BOT_OUTBOX_LEASE = _env_int("BOT_OUTBOX_LEASE", 30)  # seconds before a claimed send is retried

    # A public card reported ("这条不对劲") from this many devices is hidden until reviewed.
    PUBLIC_REPORTS_TO_HIDE = _env_int("PUBLIC_REPORTS_TO_HIDE", 3)

    # Alerts to duty rosters (services.alerts). Links in alerts point at the staff console here.
    STAFF_BASE_URL = os.environ.get("STAFF_BASE_URL", "http://127.0.0.1:5000")
    # Minutes an alert waits for someone to 认领 it before it goes down the roster.
    URGENT_ACK_MINUTES = _env_float("URGENT_ACK_MINUTES", 15)
    REVIEW_ACK_MINUTES = _env_float("REVIEW_ACK_MINUTES", 240)  # also overdue and undelivered
    ALERT_SEND_ATTEMPTS = _env_int("ALERT_SEND_ATTEMPTS", 5)  # then the next contact, at once
    ALERT_SEND_TIMEOUT = _env_float("ALERT_SEND_TIMEOUT", 10)  # seconds per SMTP or HTTP send
    # E-mail over SMTP, with Flask-Mail's names.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "tongyan@localhost")
    # The worker: alerts every round (an urgent alert is out within a minute of submission);
    # analysis retries, overdue scans and pruning every WORKER_SLOW_INTERVAL seconds.
    WORKER_INTERVAL = _env_float("WORKER_INTERVAL", 10)
    WORKER_SLOW_INTERVAL = _env_float("WORKER_SLOW_INTERVAL", 60)

    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "webapp" / "translations")

    PERMANENT_SESSION_LIFETIME = 8 * 3600  # a staff login lasts one working day
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None  # a child may take a long time to write

    @classmethod
    def check(cls) -> None:
        """Fail fast on settings that must not fall back to a default."""
        if not cls.SECRET_KEY:
            raise RuntimeError("SECRET_KEY is not set; refusing to start.")


class DevelopmentConfig(Config):
    # Development only: a fixed key so codes survive restarts of `make run`.
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SESSION_COOKIE_SECURE = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 -- tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite:///:memory:")
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    # Cheap argon2 so tests that log in stay fast; production keeps the defaults.
    ARGON2_PARAMETERS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


class ProductionConfig(Config):
    pass


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The configuration class named by TONGYAN_ENV (default: development)."""
    name = os.environ.get("TONGYAN_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown TONGYAN_ENV {name!r}") from None
