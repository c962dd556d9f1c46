"""The parts of snownlp that moderation uses, loaded without snownlp's package __init__.

`import snownlp` (or any `snownlp.x` import) runs snownlp/__init__.py, which loads
every model it ships: about 3 s and 420 MB per process. We only need three small
pure-Python modules (the han->simplified table, its trie, and the Bayes classifier),
so they are imported under a private alias package that points at snownlp's own
files. If snownlp is already imported in this process, its modules are used as they are.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import types
from typing import Any

_ALIAS = "_tongyan_snownlp"
_lock = threading.Lock()


def _module(name: str) -> Any:
    """Return snownlp's module `name` (e.g. 'normal.zh'), without running snownlp/__init__."""
    if "snownlp" in sys.modules:  # already paid for: reuse the real modules
        return importlib.import_module(f"snownlp.{name}")
    with _lock:
        if _ALIAS not in sys.modules:
            spec = importlib.util.find_spec("snownlp")  # finds, does not execute
            if spec is None or spec.origin is None:
                raise ImportError("snownlp is not installed")
            root = os.path.dirname(spec.origin)
            for sub in ("", "utils", "classification", "normal"):
                # Empty parent packages: their __path__ lets the import system find the
                # submodules' files, and their (heavy) __init__ files are never run.
                full = f"{_ALIAS}.{sub}" if sub else _ALIAS
                pkg = types.ModuleType(full)
                pkg.__path__ = [os.path.join(root, sub) if sub else root]
                pkg.__package__ = full
                sys.modules[full] = pkg
        return importlib.import_module(f"{_ALIAS}.{name}")


def bayes_class() -> type:
    """snownlp.classification.bayes.Bayes."""
    return _module("classification.bayes").Bayes


def normal_prob_class() -> type:
    """snownlp.utils.frequency.NormalProb (plain counts)."""
    return _module("utils.frequency").NormalProb


def zh_module() -> Any:
    """snownlp.normal.zh: the traditional->simplified table and its trie."""
    return _module("normal.zh")


def trie_class() -> type:
    """snownlp.utils.trie.Trie."""
    return _module("utils.trie").Trie
