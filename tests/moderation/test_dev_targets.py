"""Regression checks on the labelled sets that are never trained on: the targets must hold."""

import pytest

from moderation import evaluate, model

TARGETS = evaluate.TARGETS
HELD_APART = {"dev": evaluate.DEFAULT_DEV, "blind": evaluate.BLIND}


@pytest.fixture(scope="module", params=sorted(HELD_APART))
def held_apart(request, analyse):
    path = HELD_APART[request.param]
    if not path.is_file():
        pytest.skip(f"{request.param} set not found at {path}")
    return request.param, evaluate.score_dev(model.get(), evaluate.read_jsonl(path))


@pytest.mark.parametrize("figure", sorted(TARGETS))
def test_figure_meets_target(held_apart, figure):
    name, scores = held_apart
    value = scores.figures()[figure]
    assert value >= TARGETS[figure], f"{name} {figure} {value:.3f} < {TARGETS[figure]}"


@pytest.mark.parametrize("name", sorted(HELD_APART))
def test_corpus_and_held_apart_set_do_not_overlap(name):
    path = HELD_APART[name]
    if not path.is_file():
        pytest.skip(f"no {name} set")
    held = {model.prepare(str(r["text"])) for r in evaluate.read_jsonl(path)}
    leaked = [e.text for e in model.load_corpus() if e.text in held]
    assert not leaked, f"{len(leaked)} {name} texts are in the training corpus"
