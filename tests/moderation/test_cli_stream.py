"""The JSON-lines classifier: one output line per input, bad lines reported, the rest go on."""

import io
import json
import subprocess
import sys
from pathlib import Path

from moderation.cli import OUTPUT_FIELDS, classify_stream

REPO = Path(__file__).resolve().parents[2]


def run(lines):
    out = io.StringIO()
    counts = classify_stream(io.StringIO("".join(lines)), out)
    return counts, [json.loads(line) for line in out.getvalue().splitlines()]


def test_stream_with_bad_lines(analyse):
    counts, rows = run([
        '{"id": 1, "text": "公园的滑梯坏了"}\n',
        "this is not json\n",
        '{"id": 3}\n',
        '{"id": 4, "text": 42}\n',
        "\n",
        '[1, 2]\n',
        '{"id": "5", "text": "谢谢老师"}\n',
        '{"id": 6, "text": "截断的行\n',
    ])
    assert counts == (2, 5)
    assert [r["id"] for r in rows] == [1, None, 3, 4, None, "5", 6]
    assert set(rows[0]) == {"id", *OUTPUT_FIELDS} and rows[0]["agency"] == "urban"
    assert rows[1]["error"].startswith("not JSON")
    assert rows[2]["error"] == "missing text"
    assert rows[3]["error"] == "text is not a string"
    assert rows[4]["error"] == "not a JSON object"
    assert set(rows[5]) == {"id", *OUTPUT_FIELDS}
    assert "error" in rows[6]


def test_danger_and_routed_follow_the_contract(analyse):
    _, rows = run([
        '{"id": "a", "text": "公园的滑梯坏了"}\n',
        '{"id": "b", "text": "我真的不想活了"}\n',
        '{"id": "c", "text": "网上有个哥哥让我发照片给他看，说是我们的秘密"}\n',
    ])
    assert [r["danger"] for r in rows] == ["none", "urgent", rows[2]["danger"]]
    assert rows[2]["danger"] in ("review", "urgent")
    for r in rows:
        assert r["urgent"] is (r["danger"] == "urgent")
        assert isinstance(r["routed"], bool)
    assert rows[1]["routed"] and rows[2]["routed"]  # danger goes straight to its owner
    assert rows[1]["agency"] == "health" and rows[2]["agency"] == "police"


def test_the_output_has_the_contract_fields():
    contract = {"agency", "agencies_top3", "sentiment", "urgent", "danger", "routed",
                "confidence", "topic", "keywords"}
    assert contract <= set(OUTPUT_FIELDS)


def test_a_broken_line_keeps_its_id_when_readable(analyse):
    _, rows = run(['{"id": 7, "text": "没有结尾\n'])
    assert rows == [{"id": 7, "error": rows[0]["error"]}]


def test_module_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "moderation.cli"],
        input='{"id": "a", "text": "地铁站没有电梯"}\nnope\n',
        capture_output=True, text=True, encoding="utf-8", cwd=REPO, check=True, timeout=60,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows[0]["id"] == "a" and "agency" in rows[0] and "error" in rows[1]
    assert rows[0]["danger"] == "none" and rows[0]["urgent"] is False
