from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
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
    picket lines on those days (entry.picket_lines, pickets.public_views.WeekPicket). Made in
    Python rather than an included template: the page holds a hundred of them, and each took
    a fifth of a millisecond as a template, most of the page's time to be made again."""
    dispute = entry.dispute
    cancelled = entry.cancelled
    title = format_html("<s>{}</s>", dispute.title) if cancelled else dispute.title
    runs = "".join(
        format_html(
            '\n      <p class="cal-meta">{}</p>\n      {}\n    ',
            run_line(run, in_week=True),
            format_html_join("", '<p class="cal-note">{}</p>', ((note,) for note in run.notes)),
        )
        for run in entry.runs
    )
    unions = ", ".join(entry.unions)
    where: str
    if entry.places:
        where = format_html(
            '\n      · <span class="badge local">Local</span> <span class="cal-where">{}{}</span>',
            format_html_join(
                "; ",
                "{}{}",
                (
                    (place.name, f" ({place.postcode})" if place.postcode else "")
                    for place in entry.places
                ),
            ),
            " and other local workplaces" if entry.more_places else "",
        )
    elif dispute.is_national:
        where = mark_safe(' · <span class="badge">National</span>')
    else:
        where = ""
    pickets = "".join(
        format_html(
            '\n      <div class="cal-picket">\n'
            "        <p><strong>Picket line:</strong> {}{}, {}.\n"
            "          {}</p>\n"
            "        {}\n"
            "      </div>\n    ",
            picket.line.place,
            f" ({picket.line.postcode})" if picket.line.postcode else "",
            picket.when,
            format_html('<span class="going-count">{}.</span>', picket.going_label)
            if picket.going_label
            else "",
            format_html(
                '<a class="button" href="{}">I\'ll go</a>',
                reverse("pickets:picket_line", args=[clp.slug, picket.line.pk]),
            )
            if picket.can_go
            else "",
        )
        for picket in entry.picket_lines
    )
    return format_html(
        '\n\n  <li class="card cal-day{}">\n'
        '    <h3 class="cal-title"><a href="{}">{}</a></h3>\n'
        "    {}\n"
        '    <p class="cal-who">{} · {}{}</p>\n'
        "    {}\n"
        "  </li>\n\n",
        " is-cancelled" if cancelled else "",
        reverse("strikes_public:dispute", args=[dispute.pk]),
        title,
        mark_safe(runs),  # noqa: S308 - made of format_html's escaped parts
        unions,
        dispute.employer.name,
        where,
        mark_safe(pickets),  # noqa: S308 - made of format_html's escaped parts
    )
