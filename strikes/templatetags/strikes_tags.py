from django import template
from django.template.defaultfilters import capfirst
from django.utils.html import format_html
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
    included template: the calendar page shows a hundred of them, and an include costs ten
    times as much."""
    cancelled = run.cancelled
    hours = "" if no_hours else run.hours_label
    exceptions = run.exceptions_label
    return format_html(
        '\n<span class="badge kind-{}">{}</span>{}\n'
        '<span class="run-when">{}<time datetime="{}">{}</time>{}{}</span>\n{}\n',
        run.kind,
        run.kind_label,
        mark_safe(' <strong class="badge cancelled">Cancelled</strong>') if cancelled else "",
        mark_safe("<s>") if cancelled else "",
        run.first.isoformat(),
        run.weekday_span if in_week else run.dates_label,
        format_html(', <span class="nowrap">{}</span>', hours) if hours else "",
        mark_safe("</s>") if cancelled else "",
        format_html('<span class="run-except">{}</span>', capfirst(exceptions))
        if exceptions
        else "",
    )
