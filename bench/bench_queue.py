"""Queue latency with a million suggestions, on SQLite and PostgreSQL.

Fills a database with N suggestions spread over the 17 agencies (about a third
open), then times the staff queue page and the queue API, first page and a
deep page (keyset cursor ~20,000 items in), as server time in-process.

    .venv/bin/python bench/bench_queue.py       # SQLite file + PostgreSQL if it answers
    .venv/bin/python bench/bench_queue.py --rows 200000 --db sqlite:////tmp/q.db
"""

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text  # noqa: E402

from config import TestConfig  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import OPEN_STATUSES, Agency, Suggestion, utcnow  # noqa: E402
from webapp.services import directory, staff, work_queue  # noqa: E402

PASSWORD = "benchmark-password-123"
TEXTS = [
    "公园的滑梯坏了",
    "学校门口红绿灯太短",
    "公交车太挤了",
    "图书馆周末人太多",
    "小区里没有地方玩",
]


def fill(rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    agencies = db.session.scalars(select(Agency.id)).all()
    now = utcnow()
    batch = []
    for i in range(rows):
        is_open = rng.random() < 0.33
        urgent = rng.random() < 0.01
        status = rng.choice(OPEN_STATUSES) if is_open else rng.choice(("answered", "closed"))
        created = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 365))
        body = rng.choice(TEXTS) + f" {i}"
        batch.append(
            {
                "code_hash": hashlib.sha256(str(i).encode()).hexdigest(),
                "channel": "web",
                "kind": "problem",
                "text": body,
                "redacted_text": body,
                "status": status,
                "agency_id": rng.choice(agencies),
                "is_open": is_open,
                "queue_rank": 0 if urgent else 1,
                "due_at": created + timedelta(days=rng.randrange(1, 15)) if is_open else None,
                "urgent": urgent,
                "complex": False,
                "has_pii": False,
                "analysis_attempts": 1,
                "reopen_count": 0,
                "analysed_at": created,
                "created_at": created,
                "updated_at": created,
                "topic": "公园和游乐场",
                "age_band": "9-11",
            }
        )
        if len(batch) == 20_000:
            db.session.execute(insert(Suggestion), batch)
            db.session.commit()
            batch.clear()
    if batch:
        db.session.execute(insert(Suggestion), batch)
        db.session.commit()


def timed(client, path, headers=None, repeat=30) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def report(label: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"  {label:<28} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def run(url: str, rows: int) -> None:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        directory.load_directory(app.config["DIRECTORY_FILE"])
        staff.create_staff("bench@city.example", PASSWORD, "urban", "staff")
        db.session.commit()
        start = time.perf_counter()
        fill(rows)
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE suggestion"))
        else:
            db.session.execute(text("ANALYZE"))
        db.session.commit()
        took = time.perf_counter() - start
        print(f"{url.split(':')[0]}: {rows:,} suggestions loaded in {took:.0f} s")
        user = staff.authenticate("bench@city.example", PASSWORD, "bench")
        queue_size = db.session.scalar(
            select(func.count())
            .select_from(Suggestion)
            .where(Suggestion.agency_id == user.agency_id, Suggestion.is_open.is_(True))
        )
        deep_index = min(20_000, queue_size - 60)
        deep = db.session.scalars(
            work_queue._queue_query(user, work_queue.QueueFilter())
            .order_by(Suggestion.queue_rank, Suggestion.due_at, Suggestion.id)
            .offset(deep_index)
            .limit(1)
        ).one()
        cursor = work_queue._encode_cursor(deep)
        print(
            f"  urban queue: {queue_size:,} open items; deep page starts after item {deep_index:,}"
        )

    client = app.test_client()
    client.post("/staff/login", data={"email": "bench@city.example", "password": PASSWORD})
    token = client.post(
        "/api/v1/staff/token", json={"email": "bench@city.example", "password": PASSWORD}
    ).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    report("queue page, first", timed(client, "/staff/"))
    report("queue page, deep", timed(client, f"/staff/?after={cursor}"))
    report("queue API, first", timed(client, "/api/v1/staff/queue", bearer))
    report("queue API, deep", timed(client, f"/api/v1/staff/queue?after={cursor}", bearer))
    report("queue page, overdue filter", timed(client, "/staff/?overdue=1"))
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def postgres_answers(url: str) -> bool:
    try:
        import psycopg

        psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3).close()
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", action="append", help="database URL (repeatable)")
    args = parser.parse_args()
    urls = args.db or [f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    if not args.db and postgres_answers(pg):
        urls.append(pg)
    for url in urls:
        run(url, args.rows)


if __name__ == "__main__":
    main()
