"""Classify a JSON-lines stream: python -m moderation.cli < in.jsonl > out.jsonl.

Each input line is {"id": ..., "text": "..."}; each output line is the analysis of that
line (OUTPUT_FIELDS), or {"id": ..., "error": "..."} when the line cannot be read. A bad line never
stops the stream. The web app wraps this as `flask --app webapp classify`.
"""

from __future__ import annotations

import json
import re
import sys
from typing import IO, Any

import moderation

# The fields routing/CONTRACT.md asks of `classify` ("What the classify command gives"):
# danger is "none", "review" or "urgent", and urgent is true exactly when danger is
# "urgent"; routed is true when the item goes straight to its agency's queue (always for
# danger, which the web app also sends to the coordinator).
OUTPUT_FIELDS = (
    "agency", "agencies_top3", "sentiment", "urgent", "danger", "routed", "confidence", "topic",
    "keywords",
)


_ID = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)')


def _salvage_id(line: str) -> Any:
    """The id of a broken line, when it can still be read, so the caller can match it up."""
    m = _ID.search(line)
    if not m:
        return None
    try:
        return json.loads(m.group(1))
    except json.JSONDecodeError:
        return None


def classify_line(line: str) -> dict[str, Any]:
    """The output object for one input line (an error object if the line is bad)."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": _salvage_id(line), "error": f"not JSON: {exc.msg} at character {exc.pos}"}
    if not isinstance(row, dict):
        return {"id": None, "error": "not a JSON object"}
    ident = row.get("id")
    if "text" not in row:
        return {"id": ident, "error": "missing text"}
    if not isinstance(row["text"], str):
        return {"id": ident, "error": "text is not a string"}
    try:
        data = moderation.analyse(row["text"]).to_dict()
    except Exception as exc:  # one bad record must not stop the batch; no text in the message
        return {"id": ident, "error": f"analysis failed: {type(exc).__name__}"}
    out: dict[str, Any] = {"id": ident}
    out.update({name: data[name] for name in OUTPUT_FIELDS})
    return out


def classify_stream(infile: IO[str], outfile: IO[str]) -> tuple[int, int]:
    """Read JSON lines {"id","text"} and write one JSON line per input; returns (ok, errors)."""
    ok = errors = 0
    for line in infile:
        if not line.strip():
            continue  # blank lines (a trailing newline) are not records
        out = classify_line(line)
        if "error" in out:
            errors += 1
        else:
            ok += 1
        outfile.write(json.dumps(out, ensure_ascii=False) + "\n")
        outfile.flush()  # a pipe reader sees each result as it is made
    return ok, errors


def main() -> int:
    """Classify stdin to stdout."""
    sys.stdin.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    ok, errors = classify_stream(sys.stdin, sys.stdout)
    print(f"classified {ok}, errors {errors}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
