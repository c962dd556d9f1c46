"""Time limits in working days, with the city's holiday calendar (12345 practice)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

CALENDAR_FILE = Path(__file__).resolve().parent.parent / "data" / "calendar.yaml"


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@cache
def load_calendar(path: str | Path = CALENDAR_FILE) -> Calendar:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return Calendar(
        zone=ZoneInfo(data.get("timezone", "Asia/Shanghai")),
        holidays=frozenset(data.get("holidays") or ()),
        workdays=frozenset(data.get("workdays") or ()),
    )


def add_working_days(start: datetime, days: int, calendar: Calendar | None = None) -> datetime:
    """`days` working days after `start` (naive UTC in, naive UTC out).

    Something received on a day off starts its clock at the beginning of the next
    working day; otherwise the deadline keeps the time of day it was received.
    """
    calendar = calendar or load_calendar()
    local = start.replace(tzinfo=UTC).astimezone(calendar.zone)
    day, clock = local.date(), local.timetz().replace(tzinfo=None)
    if not calendar.is_workday(day):
        while not calendar.is_workday(day):
            day += timedelta(days=1)
        clock = time(0)
    for _ in range(days):
        day += timedelta(days=1)
        while not calendar.is_workday(day):
            day += timedelta(days=1)
    due = datetime.combine(day, clock, tzinfo=calendar.zone)
    return due.astimezone(UTC).replace(tzinfo=None)
