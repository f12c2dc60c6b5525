"""The arithmetic of hours under a county's rules: what an activity earns, which star."""

from decimal import ROUND_HALF_UP, Decimal

from tenants.rules.model import RoundingMode, Rules

CENT = Decimal("0.01")
MINUTES_PER_HOUR = 60


def round_hours(minutes: int, rules: Rules, *, credited_that_day: Decimal = Decimal(0)) -> Decimal:
    """The hours one activity of `minutes` earns: rounded to the county's unit, then held to
    the cap per activity and to what the day's cap leaves after `credited_that_day`."""
    if minutes < 0:
        raise ValueError("a duration cannot be negative")
    unit, mode = rules.hours.rounding_minutes, rules.hours.rounding_mode
    if mode is RoundingMode.UP:
        units = -(-minutes // unit)
    elif mode is RoundingMode.NEAREST:
        # Halves round up (四舍五入), so 15 minutes on a 30-minute unit count.
        units = (2 * minutes + unit) // (2 * unit)
    else:
        units = minutes // unit
    hours = (Decimal(units * unit) / MINUTES_PER_HOUR).quantize(CENT, ROUND_HALF_UP)
    left_today = max(Decimal(0), rules.hours.cap_per_day - credited_that_day)
    return min(hours, rules.hours.cap_per_activity, left_today)


def star_level(hours: Decimal | int, rules: Rules) -> int:
    """0 (no star yet) to 5: how many of the county's thresholds `hours` has reached."""
    return sum(1 for threshold in rules.star_levels if hours >= threshold)
