from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from clps.models import CLP
from strikes.public_calendar import CalendarEntry
from strikes.templatetags.strikes_tags import run_line

register = template.Library()


@register.filter
def pounds(pence: int | None) -> str:
    """135000 -> '£1,350.00'; whole pounds lose the pence: '£1,350'."""
    if pence is None:
        return ""
    pounds_, rest = divmod(int(pence), 100)
    return f"£{pounds_:,}" if rest == 0 else f"£{pounds_:,}.{rest:02d}"


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, [])


@register.filter
def office_label(value: str) -> str:
    from ..models import Office

    return Office(value).label if value in Office.values else value


@register.inclusion_tag("pickets/_month_chart.html")
def month_chart(months) -> dict:
    """Bars of picket visits per month, drawn as SVG with no script."""
    peak = max((m.visits for m in months), default=0) or 1
    width = 28
    bars = [
        {
            "month": m,
            "x": i * (width + 8),
            "height": round(120 * m.visits / peak),
            "y": 130 - round(120 * m.visits / peak),
        }
        for i, m in enumerate(months)
    ]
    return {"bars": bars, "width": width, "total_width": max(len(months) * (width + 8), 1)}


@register.simple_tag
def calendar_entry(entry: CalendarEntry, clp: CLP) -> SafeString:
    """One dispute's week on the CLP's public calendar: its runs, who and where, and the CLP's
    picket lines on those days (entry.picket_lines, pickets.public_views.WeekPicket). Joined
    text in Python rather than an included template: the page holds a hundred of them, and as
    a template they took most of the page's time to be made again after a change. (The
    standard library's escape: Django's is the same, behind a check for lazy text.)"""
    dispute = entry.dispute
    cancelled = entry.cancelled
    title = f"<s>{escape(dispute.title)}</s>" if cancelled else escape(dispute.title)
    runs = "".join(
        f'\n      <p class="cal-meta">{run_line(run, in_week=True)}</p>\n      '
        + "".join(f'<p class="cal-note">{escape(note)}</p>' for note in run.notes)
        + "\n    "
        for run in entry.runs
    )
    if entry.places:
        places = "; ".join(
            escape(place.name) + (f" ({escape(place.postcode)})" if place.postcode else "")
            for place in entry.places
        )
        more = " and other local workplaces" if entry.more_places else ""
        where = (
            '\n      · <span class="badge local">Local</span> '
            f'<span class="cal-where">{places}{more}</span>'
        )
    elif dispute.is_national:
        where = ' · <span class="badge">National</span>'
    else:
        where = ""
    pickets = "".join(
        '\n      <div class="cal-picket">\n'
        f"        <p><strong>Picket line:</strong> {escape(picket.line.place)}"
        + (f" ({escape(picket.line.postcode)})" if picket.line.postcode else "")
        + f", {escape(picket.when)}.\n          "
        + (
            f'<span class="going-count">{escape(picket.going_label)}.</span>'
            if picket.going_label
            else ""
        )
        + "</p>\n        "
        + (
            '<a class="button" href="'
            + escape(reverse("pickets:picket_line", args=[clp.slug, picket.line.pk]))
            + "\">I'll go</a>"
            if picket.can_go
            else ""
        )
        + "\n      </div>\n    "
        for picket in entry.picket_lines
    )
    return mark_safe(  # noqa: S308 - each value in it is escaped here
        f'\n\n  <li class="card cal-day{" is-cancelled" if cancelled else ""}">\n'
        f'    <h3 class="cal-title"><a href="{escape(entry.page_path)}">{title}</a></h3>\n'
        f"    {runs}\n"
        f'    <p class="cal-who">{escape(", ".join(entry.unions))} · '
        f"{escape(dispute.employer.name)}{where}</p>\n"
        f"    {pickets}\n"
        "  </li>\n\n"
    )
