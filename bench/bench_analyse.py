"""Speed and memory of moderation.analyse, beside stock SnowNLP(text).sentiments.

Loads the models (timing it, with tracemalloc and ru_maxrss), then times analyse
over the dev texts and the corpus texts of up to 60 characters, then imports stock
snownlp and times SnowNLP(text).sentiments on the same texts in the same run. Also times
analyse on long messages (corpus lines joined to 500 and 2,000 characters): danger is
judged clause by clause, so the cost should grow linearly with the length.

    .venv/bin/python bench/bench_analyse.py [--rounds 3] [--dev ../shared/routing/routing_dev.jsonl]
"""

import argparse
import json
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MAX_CHARS = 60
LONG_LENGTHS = (500, 2000)
LONG_TEXTS = 60  # messages per length


def maxrss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def texts_for(dev: Path, corpus: Path) -> list[str]:
    """Dev texts and corpus texts of up to MAX_CHARS characters."""
    texts = []
    for path in [dev, *sorted(corpus.glob("*.jsonl"))]:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                text = json.loads(line).get("text")
            except (json.JSONDecodeError, AttributeError):
                continue
            if isinstance(text, str) and 0 < len(text) <= MAX_CHARS:
                texts.append(text)
    return texts


def long_texts(texts: list[str], length: int, count: int) -> list[str]:
    """`count` messages of exactly `length` characters, each corpus lines joined by 。"""
    out = []
    at = 0
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < length:
            parts.append(texts[at % len(texts)])
            at += 7  # a different mix for each message
        out.append("。".join(parts)[:length])
    return out


def time_each(fn, texts: list[str], rounds: int) -> list[float]:
    """Per-call latencies in ms, over `rounds` passes."""
    out = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter_ns()
            fn(text)
            out.append((time.perf_counter_ns() - start) / 1e6)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dev", type=Path,
                        default=REPO.parent / "shared/routing/routing_dev.jsonl")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stock-limit", type=int, default=2000,
                        help="at most this many texts for stock snownlp (it is slow)")
    args = parser.parse_args()

    rss_start = maxrss_mb()
    t0 = time.perf_counter()
    import moderation  # noqa: PLC0415  (timed on purpose)
    from moderation import model  # noqa: PLC0415

    t_import = time.perf_counter() - t0
    moderation.warm_up()
    t_load = time.perf_counter() - t0
    rss_loaded = maxrss_mb()
    source, model_seconds = model.get().source, model.get().load_seconds
    # Allocation figures come from a second, traced load (tracing slows it, so the timing
    # above is untraced).
    model.reset()
    tracemalloc.start()
    model.get()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    texts = texts_for(args.dev, model.CORPUS_DIR)
    if not texts:
        print("no texts to time")
        return 1
    for text in texts:  # warm caches once, untimed
        moderation.analyse(text)
    ours = time_each(moderation.analyse, texts, args.rounds)
    long = {n: time_each(moderation.analyse, long_texts(texts, n, LONG_TEXTS), 1)
            for n in LONG_LENGTHS}
    rss_after = maxrss_mb()

    t1 = time.perf_counter()
    from snownlp import SnowNLP  # noqa: PLC0415  (3 s and ~400 MB: measured here on purpose)

    t_stock_import = time.perf_counter() - t1
    rss_stock = maxrss_mb()
    stock_texts = texts[: args.stock_limit]
    _ = SnowNLP(stock_texts[0]).sentiments  # first call pays for lazy set-up
    stock = time_each(lambda t: SnowNLP(t).sentiments, stock_texts, 1)

    med, p99 = statistics.median(ours), percentile(ours, 99)
    s_med, s_p99 = statistics.median(stock), percentile(stock, 99)
    print(f"texts: {len(texts)} (dev + corpus, <= {MAX_CHARS} chars), rounds {args.rounds}, "
          f"models from {source} ({model.get().examples} corpus lines)")
    print(f"load: import {t_import:.2f} s, import + warm_up {t_load:.2f} s "
          f"(of which models {model_seconds:.2f} s)")
    print(f"memory: models hold {current / 1e6:.1f} MB (tracemalloc), peak while loading "
          f"{peak / 1e6:.1f} MB; ru_maxrss at start {rss_start:.0f} MB, after load "
          f"{rss_loaded:.0f} MB, after the traced reload and timing {rss_after:.0f} MB")
    print(f"analyse:          median {med:.3f} ms  p99 {p99:.3f} ms  mean "
          f"{statistics.fmean(ours):.3f} ms  max {max(ours):.3f} ms")
    print(f"stock sentiments: median {s_med:.3f} ms  p99 {s_p99:.3f} ms  over "
          f"{len(stock_texts)} texts; import snownlp {t_stock_import:.2f} s, ru_maxrss after "
          f"{rss_stock:.0f} MB")
    print(f"speed ratio (stock median / analyse median): {s_med / med:.1f}x; "
          f"p99 ratio {s_p99 / p99:.1f}x")
    for n, times in long.items():
        l_med = statistics.median(times)
        print(f"analyse, {n:5d} chars: median {l_med:.2f} ms  p99 {percentile(times, 99):.2f} ms"
              f"  ({l_med / n * 1000:.2f} ms per 1,000 characters, {len(times)} messages)")
    ok = med <= 1.0 and p99 <= 5.0 and s_med / med >= 5
    print("targets (median <= 1 ms, p99 <= 5 ms, >= 5x stock):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
