"""Working-day time limits across weekends, holidays and make-up working days."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from webapp.services.workdays import Calendar, add_working_days, load_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = Calendar(
    zone=SHANGHAI,
    holidays=frozenset(
        {
            date(2026, 10, 1),
            date(2026, 10, 2),
            date(2026, 10, 5),
            date(2026, 10, 6),
            date(2026, 10, 7),
        }
    ),
    workdays=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),
)


def utc(local: str) -> datetime:
    """A Shanghai wall-clock time as the naive UTC the database holds."""
    return (
        datetime.fromisoformat(local)
        .replace(tzinfo=SHANGHAI)
        .astimezone(ZoneInfo("UTC"))
        .replace(tzinfo=None)
    )


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        ("2026-11-23 10:00", 1, "2026-11-24 10:00"),  # Monday → Tuesday
        ("2026-11-27 15:30", 1, "2026-11-30 15:30"),  # Friday → Monday
        ("2026-11-28 11:00", 1, "2026-12-01 00:00"),  # Saturday: the clock starts Monday
        ("2026-11-23 10:00", 7, "2026-12-02 10:00"),  # seven working days span a weekend
        ("2026-11-23 10:00", 15, "2026-12-14 10:00"),
        ("2026-09-30 09:00", 1, "2026-10-08 09:00"),  # National Day: Oct 1-7 off (3-4 weekend)
        ("2026-09-25 09:00", 1, "2026-09-27 09:00"),  # Sunday Sep 27 is a make-up working day
        ("2026-10-09 09:00", 1, "2026-10-10 09:00"),  # Saturday Oct 10 is worked
        ("2026-10-03 12:00", 1, "2026-10-09 00:00"),  # received in the holiday: clock starts Oct 8
        ("2026-11-23 23:30", 1, "2026-11-24 23:30"),  # late evening local is the previous UTC day
    ],
)
def test_add_working_days(received, days, due):
    assert add_working_days(utc(received), days, CAL) == utc(due)


def test_city_calendar_file_loads():
    calendar = load_calendar()
    assert date(2026, 10, 1) in calendar.holidays
    assert calendar.is_workday(date(2026, 2, 14))  # a Saturday worked before the Spring Festival
    assert not calendar.is_workday(date(2026, 2, 17))
