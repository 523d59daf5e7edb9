from html import escape

from django import template
from django.template.defaultfilters import capfirst
from django.utils.safestring import SafeString, mark_safe

from ..ical import clock as format_clock
from ..runs import Run

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


@register.simple_tag
def run_line(run: Run, *, in_week: bool = False, no_hours: bool = False) -> SafeString:
    """One run of a dispute's days in words: its kind, its dates (`in_week`: the days' names
    alone), its hours (unless `no_hours`) and the days called off. A tag rather than an
    included template, and joined text rather than format_html: the calendar page shows a
    hundred of them, made again after every change."""
    cancelled = run.cancelled
    hours = "" if no_hours else run.hours_label
    exceptions = run.exceptions_label
    when = run.weekday_span if in_week else run.dates_label
    return mark_safe(  # noqa: S308 - each value in it is escaped here
        f'\n<span class="badge kind-{escape(run.kind)}">{escape(run.kind_label)}</span>'
        + (' <strong class="badge cancelled">Cancelled</strong>' if cancelled else "")
        + '\n<span class="run-when">'
        + ("<s>" if cancelled else "")
        + f'<time datetime="{run.first.isoformat()}">{escape(when)}</time>'
        + (f', <span class="nowrap">{escape(hours)}</span>' if hours else "")
        + ("</s>" if cancelled else "")
        + "</span>\n"
        + (f'<span class="run-except">{escape(capfirst(exceptions))}</span>' if exceptions else "")
        + "\n"
    )
