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
        if membership is not None and membership.role == Role.TULO:
            items += [
                ("Dashboard", reverse("dashboard", args=[clp.slug])),
                ("Disputes", reverse("strikes:dispute_list", args=[clp.slug])),
                ("Unions & workplaces", reverse("strikes:records", args=[clp.slug])),
                ("People", reverse("clps:people", args=[clp.slug])),
                ("Settings", reverse("clps:settings", args=[clp.slug])),
            ]
    return {"nav_items": items, "nav_clp": clp, "nav_membership": membership}
