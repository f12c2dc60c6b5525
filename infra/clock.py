"""The calendar the counties live by: China Standard Time (UTC+8, no daylight saving)."""

from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def today() -> date:
    """Today's date in China."""
    return datetime.now(CHINA).date()


def now() -> datetime:
    """This instant, time-zone aware (stored as timestamptz)."""
    return datetime.now(CHINA)
