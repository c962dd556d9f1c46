"""Tracking codes a child can copy down: two simple words and four digits.

512 words give 9 bits each, four digits 13.3 bits: 31.3 bits in all. Only a
keyed hash (HMAC-SHA256 with SECRET_KEY) is stored, so a copy of the database
does not reveal any code.
"""

import hashlib
import hmac
import re
import secrets
import unicodedata
from functools import cache
from pathlib import Path

from flask import current_app

WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "code_words.txt"
DIGITS = 4
# Anything that is not a CJK character, a letter or a digit separates parts.
_SEPARATORS = re.compile(r"[^\w]|_", re.UNICODE)


@cache
def words() -> tuple[str, ...]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def new_code() -> str:
    """A fresh random code for display, like '熊猫 苹果 3812'."""
    pool = words()
    first, second = secrets.choice(pool), secrets.choice(pool)
    number = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    return f"{first} {second} {number}"


def canonical(code: str) -> str:
    """The form that is hashed: full-width folded, separators and spaces removed."""
    folded = unicodedata.normalize("NFKC", code or "")
    return _SEPARATORS.sub("", folded).lower()


def code_hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, canonical(code).encode(), hashlib.sha256).hexdigest()


def looks_like_code(code: str) -> bool:
    """Cheap shape check before touching the database."""
    return 5 <= len(canonical(code)) <= 16


# One-time codes an adult types (a tablet's setup, a staff member's Telegram link):
# 8 characters of an alphabet without look-alikes, 39 bits, short-lived and single-use.
ONE_TIME_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ONE_TIME_LENGTH = 8


def new_one_time_code() -> str:
    return "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))


def canonical_one_time(code: str) -> str:
    return re.sub(r"[\s\-_]", "", code).upper()


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 of a secret for one purpose, so a hash is useless for any other."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
