"""The three trained models (agency, sentiment, danger): corpus, training, artefacts, singleton."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation import danger as lexicon_danger
from moderation import features, words
from moderation.bayes import NgramBayes
from moderation.lexicon import AGENCY_CODES, AGENCY_KEYWORDS
from moderation.linear import AveragedPassiveAggressive
from moderation.normalise import normalise
from moderation.pii import find_pii, redact

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
CORPUS_DIR = PACKAGE_DIR / "data" / "corpus"
ARTEFACT = PACKAGE_DIR / "models" / "moderation.json"
SENTIMENTS = ("negative", "neutral", "positive")

# Bump when features or training change, so old artefacts are retrained, not misread.
MODEL_VERSION = 2

# Settings chosen by 5-fold cross-validation on the corpus (python -m moderation.evaluate).
CONFIG: dict[str, dict[str, Any]] = {
    "agency": {
        "sizes": [1, 2], "negation": 0, "alpha": 0.1, "prior_weight": 0.0,
        "temperature": 4.0, "lexicon_weight": 1.0, "gamma": 1.0,
        # The linear partner (linear.py): its aggressiveness, passes, and how much its
        # scores count beside the Bayes log scores before the temperature.
        "linear_c": 0.3, "linear_epochs": 10, "linear_weight": 24.0,
    },
    "sentiment": {
        "sizes": [1, 2], "negation": 1, "alpha": 0.5, "prior_weight": 1.0, "temperature": 1.0,
        "gamma": 1.0,
    },
    "danger": {
        "sizes": [1, 2, 3], "negation": 1, "alpha": 0.3, "prior_weight": 1.0, "temperature": 4.0,
    },
}
MODELS = ("agency", "sentiment", "danger")


@dataclass(frozen=True, slots=True)
class Example:
    """One corpus line, normalised; a field the line lacks or gets wrong is None."""

    text: str
    agency: str | None
    sentiment: str | None
    urgent: bool | None
    source: str = ""


def prepare(text: str) -> str:
    """The text the models see: normalised, with personal data masked."""
    clean = normalise(text)
    return redact(clean, find_pii(clean))


@dataclass(frozen=True, slots=True)
class Features:
    """Each model's features of one prepared text."""

    agency: list[str]
    sentiment: list[str]
    danger: list[str]


def featurise(prepared: str) -> Features:
    """Each model's n-gram features of a prepared text (sizes and negation per CONFIG)."""
    specs = [(tuple(CONFIG[name]["sizes"]), bool(CONFIG[name]["negation"])) for name in MODELS]
    return Features(*features.extract(prepared, specs))


def danger_cues(text: str) -> list[str]:
    """The danger lexicon's cues for a text, as features for the danger model."""
    return lexicon_danger.cue_features(
        lexicon_danger.lexicon_hits(text), lexicon_danger.happening_now(text)
    )


def corpus_files(corpus_dir: Path = CORPUS_DIR) -> list[Path]:
    """The corpus files, sorted by name."""
    return sorted(corpus_dir.glob("*.jsonl")) if corpus_dir.is_dir() else []


# The code that shapes training: an edit to any of these makes an artefact stale.
_TRAINING_CODE = (
    "bayes.py", "danger.py", "features.py", "lexicon.py", "linear.py", "model.py",
    "normalise.py", "pii.py", "words.py",
)


def corpus_hash(corpus_dir: Path = CORPUS_DIR) -> str:
    """A hash of the corpus files (names and bytes), the settings and the training code."""
    digest = hashlib.sha256(f"v{MODEL_VERSION}\n{json.dumps(CONFIG, sort_keys=True)}\n".encode())
    for name in _TRAINING_CODE:
        digest.update(name.encode() + b"\0" + (PACKAGE_DIR / name).read_bytes() + b"\0")
    for path in corpus_files(corpus_dir):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_corpus(corpus_dir: Path = CORPUS_DIR) -> list[Example]:
    """Read every corpus line; lines that are not JSON objects with a text are skipped."""
    examples = []
    skipped = 0
    for path in corpus_files(corpus_dir):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:  # a file still being written, or a typo
                skipped += 1
                continue
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                skipped += 1
                continue
            agency = row.get("agency") if row.get("agency") in AGENCY_CODES else None
            sentiment = row.get("sentiment") if row.get("sentiment") in SENTIMENTS else None
            urgent = row.get("urgent") if isinstance(row.get("urgent"), bool) else None
            examples.append(Example(prepare(row["text"]), agency, sentiment, urgent, path.stem))
    if skipped:
        log.warning("corpus: skipped %d malformed lines", skipped)
    return examples


@dataclass
class Models:
    """The trained models and where they came from."""

    agency: NgramBayes
    agency_linear: AveragedPassiveAggressive
    sentiment: NgramBayes
    danger: NgramBayes
    corpus_hash: str
    source: str  # "artefact" or "trained"
    examples: int
    words: frozenset[str] = frozenset()
    load_seconds: float = 0.0
    _keyness: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)

    def agency_log_scores(self, features: list[str]) -> tuple[dict[str, float], float]:
        """Bayes and linear scores summed, before the temperature, and how much was known."""
        weight = CONFIG["agency"]["linear_weight"]
        linear = self.agency_linear.scores(features)
        bayes, known = self.agency.log_scores_known(features)
        return {c: s + weight * linear.get(c, 0.0) for c, s in bayes.items()}, known

    def rank_agency(self, features: list[str]) -> tuple[list[tuple[str, float]], float]:
        """Agencies with calibrated probabilities (best first), and how much was known."""
        scores, known = self.agency_log_scores(features)
        return softmax(scores, CONFIG["agency"]["temperature"]), known

    def keyness(self, ngram: str, agency: str) -> float:
        """How strongly an n-gram speaks for an agency (memoised)."""
        key = (ngram, agency)
        value = self._keyness.get(key)
        if value is None:
            value = self.agency.weight(ngram, agency) if agency in self.agency.d else 0.0
            if not value and len(ngram) > 2:  # longer than the model's n-grams: its bigrams
                parts = [ngram[i : i + 2] for i in range(len(ngram) - 1)]
                value = sum(self.agency.weight(p, agency) for p in parts) / len(parts)
            if len(self._keyness) < 200_000:  # bounded: texts are unbounded
                self._keyness[key] = value
        return value

    def to_data(self) -> dict[str, Any]:
        """Plain data for the artefact."""
        return {
            "version": MODEL_VERSION,
            "corpus_hash": self.corpus_hash,
            "examples": self.examples,
            "words": sorted(self.words),
            "models": {
                "agency": self.agency.to_data(),
                "agency_linear": self.agency_linear.to_data(),
                "sentiment": self.sentiment.to_data(),
                "danger": self.danger.to_data(),
            },
        }


def _model(name: str) -> NgramBayes:
    cfg = CONFIG[name]
    return NgramBayes(
        cfg["alpha"], cfg["prior_weight"], cfg["temperature"], cfg.get("gamma", 0.0)
    )


def train(
    examples: Sequence[Example],
    featurised: Sequence[Features] | None = None,
    corpus_digest: str = "",
) -> Models:
    """Train the three models on corpus examples (plus the agency keyword priors)."""
    started = time.perf_counter()
    feats = featurised if featurised is not None else [featurise(e.text) for e in examples]
    agency, sentiment, danger = _model("agency"), _model("sentiment"), _model("danger")
    agency.train((f.agency, e.agency) for e, f in zip(examples, feats, strict=True) if e.agency)
    agency.train(_keyword_docs(), weight=CONFIG["agency"]["lexicon_weight"])
    for code in AGENCY_CODES:  # every code is a class, even before its corpus file exists
        if code not in agency.d:
            agency.train([([], code)], weight=1e-9)
    cfg = CONFIG["agency"]
    agency_linear = AveragedPassiveAggressive(cfg["linear_c"], cfg["linear_epochs"]).fit(
        (f.agency, e.agency) for e, f in zip(examples, feats, strict=True) if e.agency
    )
    sentiment.train(
        (f.sentiment, e.sentiment) for e, f in zip(examples, feats, strict=True) if e.sentiment
    )
    danger.train(
        (f.danger + danger_cues(e.text), "urgent" if e.urgent else "safe")
        for e, f in zip(examples, feats, strict=True)
        if e.urgent is not None
    )
    for model, labels in ((sentiment, SENTIMENTS), (danger, ("safe", "urgent"))):
        for label in labels:  # keep both classes so scoring never lacks one
            if label not in model.d:
                model.train([([], label)], weight=1e-9)
    vocabulary = set(words.discover(e.text for e in examples))
    vocabulary.update(w for ws in AGENCY_KEYWORDS.values() for w in ws if len(w) >= 2)
    vocabulary -= words.GENERIC
    return Models(
        agency, agency_linear, sentiment, danger, corpus_digest, "trained", len(examples),
        frozenset(vocabulary), time.perf_counter() - started,
    )


def _keyword_docs() -> Iterable[tuple[list[str], str]]:
    for code, keywords in AGENCY_KEYWORDS.items():
        for word in keywords:
            yield featurise(normalise(word)).agency, code


def from_data(data: dict[str, Any]) -> Models:
    """Models from artefact data."""
    m = data["models"]
    return Models(
        NgramBayes.from_data(m["agency"]),
        AveragedPassiveAggressive.from_data(m["agency_linear"]),
        NgramBayes.from_data(m["sentiment"]),
        NgramBayes.from_data(m["danger"]),
        data["corpus_hash"],
        "artefact",
        data["examples"],
        frozenset(data.get("words", ())),
    )


def dumps(models: Models) -> str:
    """Deterministic JSON for the artefact: sorted keys, no spaces, one trailing newline."""
    text = json.dumps(models.to_data(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text + "\n"


def build(corpus_dir: Path = CORPUS_DIR) -> Models:
    """Train from the corpus directory."""
    return train(load_corpus(corpus_dir), corpus_digest=corpus_hash(corpus_dir))


def artefact_is_fresh(artefact: Path = ARTEFACT, corpus_dir: Path = CORPUS_DIR) -> bool:
    """Whether the artefact exists and was trained on exactly this corpus and code."""
    try:
        head = json.loads(artefact.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        head.get("version") == MODEL_VERSION
        and head.get("corpus_hash") == corpus_hash(corpus_dir)
    )


def load(artefact: Path = ARTEFACT, corpus_dir: Path = CORPUS_DIR) -> Models:
    """The artefact if it matches the corpus (or there is no corpus), else train in memory."""
    # Loading makes millions of small objects that live as long as the process: the cyclic
    # collector would only rescan them, a third of the load time and, every so often, a
    # pause in analyse. Frozen, it never looks at them again (and forked workers share
    # their pages).
    gc.disable()
    try:
        return _load(artefact, corpus_dir)
    finally:
        gc.freeze()
        gc.enable()


def _load(artefact: Path, corpus_dir: Path) -> Models:
    started = time.perf_counter()
    digest = corpus_hash(corpus_dir)
    have_corpus = bool(corpus_files(corpus_dir))
    models = None
    if artefact.is_file():
        try:
            data = json.loads(artefact.read_text(encoding="utf-8"))
            if data.get("version") == MODEL_VERSION and (
                data.get("corpus_hash") == digest or not have_corpus
            ):
                models = from_data(data)
            else:
                log.warning("moderation artefact is stale; training from the corpus in memory")
        except (OSError, ValueError, KeyError) as exc:
            log.warning("moderation artefact unreadable (%s); training", type(exc).__name__)
    if models is None:
        models = train(load_corpus(corpus_dir), corpus_digest=digest)
    models.agency.log_scores(())  # compile the lookup tables now, not on the first text
    models.sentiment.log_scores(())
    models.danger.log_scores(())
    models.load_seconds = time.perf_counter() - started
    return models


def softmax(scores: dict[str, float], temperature: float) -> list[tuple[str, float]]:
    """Probabilities from log scores at a temperature, most probable first."""
    if not scores:
        return []
    top = max(scores.values())
    exp = {c: math.exp((s - top) / temperature) for c, s in scores.items()}
    z = sum(exp.values())
    return sorted(((c, e / z) for c, e in exp.items()), key=lambda x: (-x[1], x[0]))


_models: Models | None = None
_lock = threading.Lock()


def get() -> Models:
    """The process-wide models, loaded on first use (thread-safe)."""
    global _models
    if _models is None:
        with _lock:
            if _models is None:
                _models = load()
    return _models


def reset() -> None:
    """Forget the loaded models (tests, or after retraining in a long-lived process)."""
    global _models
    with _lock:
        _models = None
