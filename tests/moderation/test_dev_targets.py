"""Regression check on the held-apart dev set (never trained on): the targets must hold."""

import pytest

from moderation import evaluate, model

TARGETS = evaluate.TARGETS


@pytest.fixture(scope="module")
def dev_scores(analyse):
    if not evaluate.DEFAULT_DEV.is_file():
        pytest.skip(f"dev set not found at {evaluate.DEFAULT_DEV}")
    return evaluate.score_dev(model.get(), evaluate.read_jsonl(evaluate.DEFAULT_DEV))


@pytest.mark.parametrize("figure", sorted(TARGETS))
def test_dev_figure_meets_target(dev_scores, figure):
    value = dev_scores.figures()[figure]
    assert value >= TARGETS[figure], f"dev {figure} {value:.3f} < {TARGETS[figure]}"


def test_corpus_and_dev_do_not_overlap():
    if not evaluate.DEFAULT_DEV.is_file():
        pytest.skip("no dev set")
    dev = {model.prepare(str(r["text"])) for r in evaluate.read_jsonl(evaluate.DEFAULT_DEV)}
    leaked = [e.text for e in model.load_corpus() if e.text in dev]
    assert not leaked, f"{len(leaked)} dev texts are in the training corpus"
