"""Word discovery for keywords: which character strings of the corpus behave like words.

Keywords should be words (滑梯, 红绿灯), not fragments (梯坏, 外放视). Without a
segmenter (snownlp's costs milliseconds per text), a string is taken for a word when it
is frequent, its characters stick together more than chance (cohesion), and it appears
beside many different neighbours on both sides (branching entropy).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

_RUN = re.compile(r"[\u4e00-\u9fff]+")
MIN_COUNT = 3
MIN_ENTROPY = 1.0
MIN_COHESION = 3.0
MAX_LEN = 4
# Characters a keyword should not start or end with (的, 了, 我...).
EDGE_STOP = frozenset(
    "的了是我你他她它们很太也都就还在有和与跟把被让给吗呢吧啊呀哦么这那个一不没要会能"
    "可以想说去来到上下里点些得着过嘛哈啦好多每几"
)


# Words that say nothing about the topic (请问, 建议, 孩子...), never shown as keywords.
GENERIC = frozenset(
    "请问 建议 希望 知道 谢谢 感谢 孩子 小朋友 我们 你们 他们 能不能 可不可以 可以 作为家长 "
    "现在 今天 "
    "昨天 明天 每天 时候 以后 以前 根本 根本没法 真的 非常 特别 一下 问问 想问问 想问一下 为什么 "
    "什么 怎么 怎么办 还是 但是 因为 所以 而且 或者 已经 一直 总是 有时候 大家 家长 同学们 觉得 "
    "发现 终于 地方 东西 问题 情况 事情 这样 那样 这里 那里 这边 那边".split()
)


def _entropy(counts: Counter[str]) -> float:
    total = sum(counts.values())
    return -sum(n / total * math.log(n / total) for n in counts.values())


def discover(texts: Iterable[str], min_count: int = MIN_COUNT) -> list[str]:
    """Word-like strings (2..MAX_LEN Chinese characters) of the texts, sorted."""
    freq: Counter[str] = Counter()
    left: defaultdict[str, Counter[str]] = defaultdict(Counter)
    right: defaultdict[str, Counter[str]] = defaultdict(Counter)
    edge = 0
    for text in texts:
        for run in _RUN.findall(text):
            n = len(run)
            for k in range(1, MAX_LEN + 1):
                for i in range(n - k + 1):
                    gram = run[i : i + k]
                    freq[gram] += 1
                    if k < 2:
                        continue
                    # A text edge counts as a new neighbour each time: it is a real boundary.
                    edge += 1
                    left[gram][run[i - 1] if i else f"^{edge}"] += 1
                    right[gram][run[i + k] if i + k < n else f"${edge}"] += 1
    chars = sum(c for g, c in freq.items() if len(g) == 1)
    found = []
    for gram, count in freq.items():
        if len(gram) < 2 or count < min_count:
            continue
        if gram[0] in EDGE_STOP or gram[-1] in EDGE_STOP or gram in GENERIC:
            continue
        cohesion = min(
            math.log(count * chars / (freq[gram[:i]] * freq[gram[i:]])) for i in range(1, len(gram))
        )
        if cohesion < MIN_COHESION:
            continue
        if min(_entropy(left[gram]), _entropy(right[gram])) >= MIN_ENTROPY:
            found.append(gram)
    return sorted(found)
