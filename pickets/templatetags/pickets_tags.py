from django import template

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
