from django import template

from ..ical import clock as format_clock

register = template.Library()


@register.filter
def days_left_from(assessment, today) -> int | None:
    return assessment.days_left(today)


@register.filter
def pct(value) -> str:
    """12.5 -> '12.5%'; None -> '–'."""
    return "–" if value is None else f"{value.normalize():f}%"


@register.filter
def needed_votes(entitled: int, pct_needed: int) -> int:
    """How many of `entitled` must vote to reach `pct_needed`%, rounding up."""
    return -(-entitled * pct_needed // 100)


@register.filter
def clock(value) -> str:
    """07:00 -> 7am, as on the public calendar."""
    return format_clock(value) if value else ""
