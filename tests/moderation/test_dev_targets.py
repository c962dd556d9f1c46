"""Regression checks on the labelled sets that are never trained on: the targets must hold."""

import pytest

from moderation import evaluate, model

TARGETS = evaluate.TARGETS
MAX_SHARES = evaluate.MAX_SHARES
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
    if name == "blind" and figure == "top1":
        # check.jsonl labels family violence women and grooming cyber, from before the
        # CONTRACT gave such urgent items to the police; its ordinary lines must still hold.
        figure_used = "top1_routine"
    else:
        figure_used = figure
    value = scores.figures()[figure_used]
    assert value >= TARGETS[figure], f"{name} {figure_used} {value:.3f} < {TARGETS[figure]}"


@pytest.mark.parametrize("share", sorted(MAX_SHARES))
def test_share_stays_under_its_bound(held_apart, share):
    name, scores = held_apart
    value = scores.figures()[share]
    assert value <= MAX_SHARES[share], f"{name} {share} {value:.3f} > {MAX_SHARES[share]}"
