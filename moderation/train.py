"""Retrain the models from the corpus and write the artefact: python -m moderation.train.

The artefact (moderation/models/moderation.json) is deterministic: the same corpus and
code give the same bytes. It records a hash of the corpus; `analyse` uses it only while
the hash matches, and otherwise trains in memory from the corpus it finds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

from moderation import model


def write_artefact(models: model.Models, path: Path) -> int:
    """Write the artefact atomically; returns its size in bytes."""
    data = model.dumps(models).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a worker never reads half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".moderation-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(data)


def main(argv: list[str] | None = None) -> int:
    """Train on every corpus file and write the artefact."""
    parser = argparse.ArgumentParser(prog="python -m moderation.train", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=model.CORPUS_DIR, help="corpus folder")
    parser.add_argument("--out", type=Path, default=model.ARTEFACT, help="artefact path")
    parser.add_argument("--check", action="store_true",
                        help="only say whether the artefact matches the corpus (exit 1 if not)")
    args = parser.parse_args(argv)

    if args.check:
        fresh = model.artefact_is_fresh(args.out, args.corpus)
        print("artefact is fresh" if fresh else "artefact is missing or stale")
        return 0 if fresh else 1

    examples = model.load_corpus(args.corpus)
    if not examples:
        print(f"no corpus lines in {args.corpus}", file=sys.stderr)
        return 1
    models = model.train(examples, corpus_digest=model.corpus_hash(args.corpus))
    size = write_artefact(models, args.out)
    files = Counter(e.source for e in examples)
    urgent = sum(1 for e in examples if e.urgent)
    print(f"corpus: {len(examples)} lines in {len(files)} files, {urgent} urgent")
    for name in ("agency", "sentiment", "danger"):
        m = getattr(models, name)
        vocab = len({f for c in m.d.values() for f in c.samples()})
        print(f"  {name:9s} classes={len(m.classes):2d} vocabulary={vocab}")
    print(f"trained in {models.load_seconds:.2f} s; wrote {args.out} ({size / 1e6:.2f} MB)")
    print(f"corpus hash {models.corpus_hash[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
