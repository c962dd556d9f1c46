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
from dataclasses import dataclass, field, replace
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
MODEL_VERSION = 3

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
        # A linear partner as for the agency: NB alone is too sure of rare n-grams in short
        # windows (今天我 seen only in danger texts); the sum tells danger from look-alikes.
        "linear_c": 0.1, "linear_epochs": 5, "linear_weight": 10.0,
    },
}


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
    """Each model's features of one prepared text.

    `danger` holds the danger model's training documents (empty at analysis time, when
    analyse scores windows instead): (features, whether the lexicon found a live cue).
    """

    agency: list[str]
    sentiment: list[str]
    danger: tuple[tuple[list[str], bool], ...] = ()
    long: bool = False  # more clauses than a window: the model cannot tell where it tells


def _spec(name: str) -> features.Spec:
    return tuple(CONFIG[name]["sizes"]), bool(CONFIG[name]["negation"])


def featurise(prepared: str) -> Features:
    """The agency and sentiment n-gram features of a prepared text (sizes, negation per CONFIG)."""
    agency, sentiment = features.extract(prepared, [_spec("agency"), _spec("sentiment")])
    return Features(agency, sentiment)


def training_features(prepared: str) -> Features:
    """featurise, plus the danger model's training documents."""
    found = lexicon_danger.scan(prepared)
    long = len(found.spans) > lexicon_danger.MAX_WINDOW
    return replace(featurise(prepared), danger=danger_docs(prepared, found), long=long)


def danger_ngrams(text: str) -> list[str]:
    """The danger model's n-gram features of one clause."""
    return features.extract(text, [_spec("danger")])[0]


def _window_features(
    text: str, spans: Sequence[tuple[int, int]], cache: dict[tuple[int, int], list[str]]
) -> list[str]:
    """The union of a window's clause features (each clause featurised once per text)."""
    out: dict[str, None] = {}
    for span in spans:
        grams = cache.get(span)
        if grams is None:
            grams = cache[span] = danger_ngrams(text[span[0] : span[1]])
        out.update(dict.fromkeys(grams))
    return list(out)


def danger_docs(
    prepared: str, found: lexicon_danger.Scan | None = None
) -> tuple[tuple[list[str], bool], ...]:
    """What the danger model learns from a text: the windows analyse will score.

    Every window analyse judges is a document (danger.Scan.windows), so the model learns
    that "今天我入队了" is safe on its own, as analyse will ask it. Each comes with whether the
    lexicon found a live cue in it (_danger_training decides which are taught as danger).
    """
    found = lexicon_danger.scan(prepared) if found is None else found
    cache: dict[tuple[int, int], list[str]] = {}
    docs = []
    for first, last in found.windows():
        if last - first > lexicon_danger.MAX_WINDOW:
            continue  # the whole of a long text: mostly preamble
        live = any(h.cleared is None for h in found.hits_in(first, last))
        feats = _window_features(prepared, found.spans[first:last], cache)
        docs.append((feats + found.cues(first, last), live))
    return tuple(docs)


def corpus_files(corpus_dir: Path = CORPUS_DIR) -> list[Path]:
    """The corpus files, sorted by name."""
    return sorted(corpus_dir.glob("*.jsonl")) if corpus_dir.is_dir() else []


# The code that shapes training: an edit to any of these makes an artefact stale.
_TRAINING_CODE = (
    "bayes.py", "danger.py", "features.py", "lexicon.py", "linear.py", "model.py",
    "normalise.py", "pii.py", "words.py",
    "data/names.txt",  # what pii masks decides what the models see
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


Entry = tuple[float, float, float]  # Bayes log odds, linear margin x idf, idf squared


class DangerTable:
    """The danger model as one lookup per n-gram, so a window costs one pass over its words.

    P(danger) = sigmoid((Bayes log odds + linear_weight * linear margin) / temperature), the
    Bayes log odds being the prior's plus a sum over the window's n-grams, and the linear
    margin a sum over them divided by the length of their idf vector (as linear.scores).
    """

    def __init__(self, bayes: NgramBayes, linear: AveragedPassiveAggressive):
        classes, unseen, prior, table = bayes._compiled or bayes._compile()
        if "urgent" not in classes or "safe" not in classes:  # an untrained model: no opinion
            self.prior, self.entries = 0.0, {}
            return
        u, s = classes.index("urgent"), classes.index("safe")
        self.prior = prior[u] - prior[s]
        lu = linear.classes.index("urgent") if "urgent" in linear.classes else -1
        ls = linear.classes.index("safe") if "safe" in linear.classes else -1
        rows = linear.weights
        entries: dict[str, Entry] = {}
        for f, (wf, row) in table.items():
            w = dict(row)
            bayes_odds = w.get(u, 0.0) - w.get(s, 0.0) + wf * (unseen[u] - unseen[s])
            margin = square = 0.0
            if f in rows:
                idf, lw = linear.idf[f], dict(rows[f])
                margin, square = (lw.get(lu, 0.0) - lw.get(ls, 0.0)) * idf, idf * idf
            entries[f] = (bayes_odds, margin, square)
        self.entries = entries
        cfg = CONFIG["danger"]
        self.weight, self.temperature = cfg["linear_weight"], cfg["temperature"]

    def lookup(self, features: Iterable[str]) -> dict[str, Entry]:
        """The known features of a list, with their entries."""
        get = self.entries.get
        return {f: e for f in features if (e := get(f)) is not None}

    def probability(self, entries: Iterable[Entry]) -> float:
        """P(danger) of a window from its (distinct) features' entries."""
        if not self.entries:
            return 0.0
        odds = margin = square = 0.0
        for bayes_odds, m, sq in entries:
            odds += bayes_odds
            margin += m
            square += sq
        z = self.prior + odds + self.weight * margin / (math.sqrt(square) or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z / self.temperature))))


@dataclass
class Models:
    """The trained models and where they came from."""

    agency: NgramBayes
    agency_linear: AveragedPassiveAggressive
    sentiment: NgramBayes
    danger: NgramBayes
    danger_linear: AveragedPassiveAggressive
    corpus_hash: str
    source: str  # "artefact" or "trained"
    examples: int
    words: frozenset[str] = frozenset()
    load_seconds: float = 0.0
    _keyness: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)
    _danger_table: DangerTable | None = field(default=None, repr=False)

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

    def danger_scorer(self, text: str) -> lexicon_danger.Scorer:
        """The danger model's probability for windows of one text (each clause looked up once)."""
        table = self.danger_table()
        cache: dict[tuple[int, int], dict[str, Entry]] = {}

        def score(spans: Sequence[tuple[int, int]], cues: list[str]) -> float:
            window: dict[str, Entry] = {}
            for span in spans:
                entries = cache.get(span)
                if entries is None:
                    entries = cache[span] = table.lookup(danger_ngrams(text[span[0] : span[1]]))
                window.update(entries)  # a union: each n-gram counts once, as in training
            window.update(table.lookup(cues))
            return table.probability(window.values())

        return score

    def danger_probability(self, features: list[str]) -> float:
        """P(danger) of one window's features."""
        table = self.danger_table()
        return table.probability(table.lookup(features).values())

    def danger_table(self) -> DangerTable:
        """The danger Bayes and linear model joined into one lookup (built once)."""
        if self._danger_table is None:
            self._danger_table = DangerTable(self.danger, self.danger_linear)
        return self._danger_table

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
                "danger_linear": self.danger_linear.to_data(),
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
    feats = featurised if featurised is not None else [training_features(e.text) for e in examples]
    agency, sentiment, danger = _model("agency"), _model("sentiment"), _model("danger")
    # Danger lines owned by their kind (danger.OWNERS: police, health, civil, emergency) do
    # not teach the agency model: learning that 爸爸 and 网友 mean police from family
    # violence and grooming would send ordinary family and online suggestions there. A
    # hazard's line names the place's owner (滑梯 -> urban) and teaches it as any other.
    by_kind = set(lexicon_danger.OWNERS.values())
    routine = [(f.agency, e.agency) for e, f in zip(examples, feats, strict=True)
               if e.agency and not (e.urgent and e.agency in by_kind)]
    agency.train(routine)
    agency.train(_keyword_docs(), weight=CONFIG["agency"]["lexicon_weight"])
    for code in AGENCY_CODES:  # every code is a class, even before its corpus file exists
        if code not in agency.d:
            agency.train([([], code)], weight=1e-9)
    cfg = CONFIG["agency"]
    agency_linear = AveragedPassiveAggressive(cfg["linear_c"], cfg["linear_epochs"]).fit(routine)
    sentiment.train(
        (f.sentiment, e.sentiment) for e, f in zip(examples, feats, strict=True) if e.sentiment
    )
    danger_data = list(_danger_training(examples, feats))
    danger.train(danger_data)
    dcfg = CONFIG["danger"]
    danger_linear = AveragedPassiveAggressive(dcfg["linear_c"], dcfg["linear_epochs"]).fit(
        danger_data
    )
    for model, labels in ((sentiment, SENTIMENTS), (danger, ("safe", "urgent"))):
        for label in labels:  # keep both classes so scoring never lacks one
            if label not in model.d:
                model.train([([], label)], weight=1e-9)
    vocabulary = set(words.discover(e.text for e in examples))
    vocabulary.update(w for ws in AGENCY_KEYWORDS.values() for w in ws if len(w) >= 2)
    vocabulary -= words.GENERIC
    return Models(
        agency, agency_linear, sentiment, danger, danger_linear, corpus_digest, "trained",
        len(examples),
        frozenset(vocabulary), time.perf_counter() - started,
    )


def _danger_training(
    examples: Sequence[Example], feats: Sequence[Features]
) -> Iterable[tuple[list[str], str]]:
    """(features, label) for the danger model: every window of a safe text is safe; of a
    short danger text, the windows with a live lexicon cue (or the text whole, without one).

    A long danger text teaches nothing: which of its windows told the danger no one can
    say, and taught as danger its preamble (路灯坏了, 我最想说的是) would become danger."""
    for e, f in zip(examples, feats, strict=True):
        if e.urgent is None or not f.danger:
            continue
        if not e.urgent:
            yield from ((doc, "safe") for doc, _live in f.danger)
        elif not f.long:
            cued = [doc for doc, live in f.danger if live]
            whole = max(f.danger, key=lambda d: len(d[0]))[0]
            yield from ((doc, "urgent") for doc in (cued or [whole]))


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
        AveragedPassiveAggressive.from_data(m["danger_linear"]),
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
    models.danger_table()
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
