"""Text normalisation: traditional to simplified, full-width to half-width, folded whitespace."""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

from moderation import _snow

# snownlp's table maps some simplified characters to rarer variants (余 -> 馀, 幺 -> 么),
# which would change a child's simplified text; these keep the mainland standard form.
_OVERRIDES = {"余": "余", "馀": "余", "餘": "余", "幺": "幺"}

_WHITESPACE = re.compile(r"\s+")
# Invisible characters that would split a phone number or a word (ZWJ stays: emoji use it).
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD]
    + [c for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c"]
    + [0x7F]
)
# Full-width ASCII U+FF01..U+FF5E sits 0xFEE0 above its half-width form; U+3000 is a space.
# The everyday Chinese punctuation among them (，！？：；（）) stays: it is how the text
# should read for staff, and the features treat both forms as clause breaks anyway.
_CHINESE_PUNCTUATION = "，！？：；（）"
_FULL_TO_HALF = {
    c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if chr(c) not in _CHINESE_PUNCTUATION
}
_FULL_TO_HALF[0x3000] = 0x20

_trie: Any = None
_lock = threading.Lock()


def _han_trie() -> Any:
    """snownlp's traditional->simplified trie, built once, length-preserving entries only."""
    global _trie
    if _trie is None:
        with _lock:
            if _trie is None:
                zh = _snow.zh_module()
                trie = _snow.trie_class()()
                for key, value in zh.zh2hans.items():
                    # Phrase rewrites that change length (也門 -> '', 手電筒 -> 手电) would
                    # drop or invent words; character mappings are all we want.
                    if len(key) == len(value):
                        trie.insert(key, value)
                for key, value in _OVERRIDES.items():
                    trie.insert(key, value)
                _trie = trie
    return _trie


def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters to simplified (snownlp's table)."""
    if not text:
        return text
    return "".join(_han_trie().translate(text))


def normalise(text: str | None) -> str:
    """Normalise a text: NFC, simplified Chinese, half-width letters and digits, single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = text.translate(_INVISIBLE).translate(_FULL_TO_HALF)
    text = _WHITESPACE.sub(" ", text).strip()
    return to_simplified(text)


def warm_up() -> None:
    """Build the conversion table now (before workers fork)."""
    _han_trie()
