"""Naive Bayes on snownlp's Bayes, with the smoothing and priors short texts need.

snownlp's `Bayes` adds one to a word the first time a class sees it and divides by
the class total only, so an unseen word costs a small class less than a large one
and small classes win on unfamiliar text. Here every class is smoothed over the
shared vocabulary (Lidstone: (count + alpha) / (total + alpha * V)), each text
counts a feature once (short texts repeat little, and repeats are mostly noise),
the class prior can be flattened, and scores are kept in log space with a
temperature so the probabilities are calibrated rather than 0.9999.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from moderation import _snow

_Bayes = _snow.bayes_class()
_NormalProb = _snow.normal_prob_class()


class NgramBayes(_Bayes):  # type: ignore[misc, valid-type]
    """Multinomial naive Bayes over binary n-gram features with Lidstone smoothing."""

    def __init__(
        self,
        alpha: float = 0.3,
        prior_weight: float = 0.0,
        temperature: float = 1.0,
        gamma: float = 0.0,
    ):
        super().__init__()
        self.alpha = alpha
        # 0: plain naive Bayes; > 0: each feature weighted by how well it tells classes apart.
        self.gamma = gamma
        # 0: uniform prior (the mix of a city's suggestions is not the corpus mix),
        # 1: the corpus class frequencies.
        self.prior_weight = prior_weight
        self.temperature = temperature
        self.doc_counts: dict[str, float] = {}
        self._compiled: tuple[Any, ...] | None = None

    # -- training ---------------------------------------------------------------------------

    def train(self, data: Iterable[tuple[Sequence[str], str]], weight: float = 1.0) -> None:
        """Add (features, label) examples; call again to add more (e.g. lexicon priors)."""
        for features, label in data:
            if label not in self.d:
                self.d[label] = _NormalProb()
                self.doc_counts[label] = 0.0
            counts = self.d[label]
            for f in set(features):
                counts.add(f, weight)
            self.doc_counts[label] += weight
        self.total = sum(c.getsum() for c in self.d.values())
        self._compiled = None

    @property
    def classes(self) -> tuple[str, ...]:
        """Class labels, sorted."""
        return tuple(sorted(self.d))

    def _compile(self) -> tuple[Any, ...]:
        """Precompute log weights: a feature adds log((n+a)/a) only to classes that saw it."""
        classes = self.classes
        a = self.alpha
        rows: dict[str, list[tuple[int, float]]] = {}
        log = math.log
        for i, c in enumerate(classes):  # class by class: one pass over each count table
            for f, n in self.d[c].d.items():
                rows.setdefault(f, []).append((i, log((n + a) / a)))
        v = max(len(rows), 1)  # the vocabulary; an untrained model still scores (uniformly)
        docs = sum(self.doc_counts.values()) or 1.0
        prior = [
            self.prior_weight * math.log(max(self.doc_counts[c], 1e-9) / docs) for c in classes
        ]
        unseen = [math.log(a / (self.d[c].getsum() + a * v)) for c in classes]
        k = len(classes)
        table: dict[str, tuple[float, tuple[tuple[int, float], ...]]] = {}
        for f, row in rows.items():
            if self.gamma:
                w = self._feature_weight(row, unseen, k)
                table[f] = (w, tuple((i, w * x) for i, x in row))
            else:
                table[f] = (1.0, tuple(row))
        self._compiled = (classes, unseen, prior, table)
        return self._compiled

    def _feature_weight(self, row: list[tuple[int, float]], unseen: list[float], k: int) -> float:
        """1 - H(class | feature) / log K, to the power gamma: how much a feature tells apart.

        A character like 的 or 我 turns up in every class and should say little; 滑梯 says
        much. Plain naive Bayes lets the many weak features drown the few strong ones in
        short texts; weighting each by how peaked its class distribution is counters that.
        """
        if k < 2:
            return 1.0
        logp = list(unseen)
        for i, x in row:
            logp[i] += x
        top = max(logp)
        q = [math.exp(lp - top) for lp in logp]
        z = sum(q)
        h = -sum(p / z * math.log(p / z) for p in q if p > 0)
        return max(0.0, 1.0 - h / math.log(k)) ** self.gamma

    # -- scoring ----------------------------------------------------------------------------

    def _scores(self, features: Iterable[str]) -> tuple[tuple[str, ...], list[float], float]:
        """(classes, log scores, weighted number of known features) in one pass."""
        classes, unseen, prior, table = self._compiled or self._compile()
        scores = list(prior)
        known = 0.0
        get = table.get
        for f in features:
            entry = get(f)
            if entry is None:
                continue
            known += entry[0]
            for i, w in entry[1]:
                scores[i] += w
        if known:
            scores = [s + known * u for s, u in zip(scores, unseen, strict=True)]
        return classes, scores, known

    def log_scores(self, features: Iterable[str]) -> dict[str, float]:
        """Unnormalised log posterior per class; features never seen in training are ignored."""
        return self.log_scores_known(features)[0]

    def log_scores_known(self, features: Iterable[str]) -> tuple[dict[str, float], float]:
        """log_scores, and the weighted number of known features, in one pass."""
        classes, scores, known = self._scores(features)
        return dict(zip(classes, scores, strict=True)), known

    def rank_known(self, features: Iterable[str]) -> tuple[list[tuple[str, float]], float]:
        """Classes with calibrated probabilities (best first), and how many features were known."""
        classes, scores, known = self._scores(features)
        if not classes:
            return [], known
        t = self.temperature
        top = max(scores)
        exp = [math.exp((s - top) / t) for s in scores]
        z = sum(exp)
        probs = zip(classes, (e / z for e in exp), strict=True)
        ranked = sorted(probs, key=lambda x: (-x[1], x[0]))
        return ranked, known

    def rank(self, features: Iterable[str]) -> list[tuple[str, float]]:
        """Classes with calibrated probabilities, most probable first."""
        return self.rank_known(features)[0]

    def classify(self, x: Iterable[str]) -> tuple[str, float]:
        """(best class, its probability), like snownlp's Bayes.classify."""
        ranked = self.rank(x)
        return ranked[0] if ranked else ("", 0.0)

    def weight(self, feature: str, label: str) -> float:
        """How much a feature speaks for a class against the others (log-likelihood ratio)."""
        classes, unseen, _prior, table = self._compiled or self._compile()
        entry = table.get(feature)
        if entry is None:
            return 0.0
        wf, pairs = entry
        row = dict(pairs)
        if not row:
            return 0.0
        i = classes.index(label)
        mine = row.get(i, 0.0) + wf * unseen[i]
        others = [row.get(j, 0.0) + wf * unseen[j] for j in range(len(classes)) if j != i]
        if not others:
            return 0.0
        return mine - math.log(sum(math.exp(o) for o in others) / len(others))

    # -- persistence (plain, sorted, deterministic JSON-ready data) -------------------------

    def to_data(self) -> dict[str, Any]:
        """Counts and settings as plain data (sorted keys give byte-identical artefacts)."""
        features: dict[str, dict[str, float]] = {}
        for c in self.classes:
            for f, n in self.d[c].d.items():
                features.setdefault(f, {})[c] = _num(n)
        return {
            "alpha": self.alpha,
            "gamma": self.gamma,
            "prior_weight": self.prior_weight,
            "temperature": self.temperature,
            "doc_counts": {c: _num(self.doc_counts[c]) for c in self.classes},
            "features": features,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> NgramBayes:
        """Rebuild a model saved with to_data."""
        model = cls(
            data["alpha"], data["prior_weight"], data["temperature"], data.get("gamma", 0.0)
        )
        for c, n in data["doc_counts"].items():
            model.d[c] = _NormalProb()
            model.doc_counts[c] = float(n)
        for f, row in data["features"].items():
            for c, n in row.items():
                model.d[c].add(f, n)
        model.total = sum(c.getsum() for c in model.d.values())
        return model


def _num(x: float) -> float | int:
    """Whole counts as ints so the JSON stays short and stable."""
    return int(x) if float(x).is_integer() else round(float(x), 6)
