from django.urls import reverse

from clps.models import Role


def navigation(request) -> dict:
    """The links each role sees in the header, for the CLP the page belongs to."""
    clp = getattr(request, "clp", None)
    membership = getattr(request, "membership", None)
    items: list[tuple[str, str]] = []
    if clp is not None:
        items.append(
            (clp.name if membership else "CLP page", reverse("clps:home", args=[clp.slug]))
        )
        items.append(("Strike calendar", reverse("pickets_public:calendar", args=[clp.slug])))
        if membership is not None and membership.role == Role.TULO:
            items += [
                ("Dashboard", reverse("dashboard", args=[clp.slug])),
                ("Disputes", reverse("strikes:dispute_list", args=[clp.slug])),
                ("Picket lines", reverse("pickets:picket_lines", args=[clp.slug])),
                ("Visits", reverse("pickets:visits", args=[clp.slug])),
                ("Representatives", reverse("pickets:representatives", args=[clp.slug])),
                ("Ledger", reverse("pickets:actions", args=[clp.slug])),
                ("Weekly email", reverse("newsletters:weekly", args=[clp.slug])),
                ("Newsletter section", reverse("newsletters:sections", args=[clp.slug])),
                ("Report", reverse("pickets:report", args=[clp.slug])),
                ("Unions & workplaces", reverse("strikes:records", args=[clp.slug])),
                ("People", reverse("clps:people", args=[clp.slug])),
                ("Settings", reverse("clps:settings", args=[clp.slug])),
            ]
        elif membership is not None and membership.role == Role.EXECUTIVE:
            items.append(("Solidarity report", reverse("pickets:report", args=[clp.slug])))
            items.append(("Newsletter section", reverse("newsletters:sections", args=[clp.slug])))
        if membership is not None and membership.role != Role.TULO:
            items.append(("Report a visit", reverse("pickets:visit_create", args=[clp.slug])))
    return {"nav_items": items, "nav_clp": clp, "nav_membership": membership}
