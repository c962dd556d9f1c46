"""Evaluation helpers: stratified folds, threshold calibration, the lazy model singleton."""

import threading

from moderation import evaluate, model
from moderation.model import Example


def test_folds_are_stratified_and_reproducible():
    examples = [Example(f"t{i}", "edu" if i % 3 else "urban", None, i % 10 == 0) for i in range(60)]
    one, two = evaluate.folds_of(examples, 5, 13), evaluate.folds_of(examples, 5, 13)
    assert one == two
    for f in range(5):
        members = [e for e, k in zip(examples, one, strict=True) if k == f]
        assert len(members) == 12
        assert sum(e.agency == "urban" for e in members) == 4  # 20 urban lines, 4 per fold


def test_calibrate_finds_the_lowest_threshold_with_enough_accuracy():
    scores = evaluate.Scores()
    scores.confidences = [(0.2, False), (0.4, False), (0.6, True), (0.8, True), (0.9, True)]
    assert evaluate.calibrate(scores, 0.95) == 0.41
    assert scores.routing(0.41) == (0.4, 1.0)


def test_models_load_once_across_threads():
    model.reset()
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(model.get())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 and all(m is seen[0] for m in seen)
