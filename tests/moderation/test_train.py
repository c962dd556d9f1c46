"""Training artefacts: reproducible bytes, freshness by corpus hash, retraining when stale."""

import json

from moderation import model, train

LINES = {
    "urban": [("公园的滑梯坏了", "negative", False), ("希望多种树", "neutral", False)],
    "edu": [("作业太多了", "negative", False), ("谢谢老师", "positive", False)],
    "danger": [("我妹妹走丢了", "negative", True)],
}


def make_corpus(root):
    root.mkdir()
    for name, rows in LINES.items():
        agency = "police" if name == "danger" else name
        text = "".join(
            json.dumps({"text": t, "agency": agency, "sentiment": s, "urgent": u},
                       ensure_ascii=False) + "\n"
            for t, s, u in rows
        )
        (root / f"{name}.jsonl").write_text(text, encoding="utf-8")
    return root


def test_artefact_is_byte_identical(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert train.main(["--corpus", str(corpus), "--out", str(one)]) == 0
    assert train.main(["--corpus", str(corpus), "--out", str(two)]) == 0
    assert one.read_bytes() == two.read_bytes()
    data = json.loads(one.read_text(encoding="utf-8"))
    assert data["corpus_hash"] == model.corpus_hash(corpus) and data["examples"] == 5


def test_fresh_artefact_is_used_and_stale_one_retrained(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    out = tmp_path / "m.json"
    train.main(["--corpus", str(corpus), "--out", str(out)])
    assert model.artefact_is_fresh(out, corpus)
    assert model.load(out, corpus).source == "artefact"

    with (corpus / "edu.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"text": "食堂的饭太咸", "agency": "edu", "sentiment": "negative",
                            "urgent": False}, ensure_ascii=False) + "\n")
    assert not model.artefact_is_fresh(out, corpus)
    assert train.main(["--check", "--corpus", str(corpus), "--out", str(out)]) == 1
    reloaded = model.load(out, corpus)
    assert reloaded.source == "trained" and reloaded.examples == 6


def test_loaded_artefact_scores_like_the_trained_model(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    out = tmp_path / "m.json"
    train.main(["--corpus", str(corpus), "--out", str(out)])
    fresh, loaded = model.build(corpus), model.load(out, corpus)
    feats = model.featurise("公园滑梯")
    assert fresh.rank_agency(feats.agency) == loaded.rank_agency(feats.agency)
    assert fresh.sentiment.rank(feats.sentiment) == loaded.sentiment.rank(feats.sentiment)


def test_bad_corpus_lines_are_skipped(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    broken = '{"text": "半行\n[]\n{"agency": "edu"}\n'
    (corpus / "broken.jsonl").write_text(broken, encoding="utf-8")
    assert len(model.load_corpus(corpus)) == 5


def test_the_shipped_artefact_matches_the_corpus():
    if model.ARTEFACT.is_file():
        assert model.artefact_is_fresh(), "run: python -m moderation.train"
