"""The ballot rule sets in force, with their sources (see the project's LAW.md summary)."""

import datetime

from django.db import migrations

TUA_2016_SOURCE = (
    "Trade Union Act 2016, in force 1 March 2017 for ballots opened from then. Summaries: "
    "xperthr.co.uk 'Trade Union Act 2016'; lexology.com summaries of the Act; evh.org.uk."
)
ERA_2025_SOURCE = (
    "Employment Rights Act 2025 (Royal Assent 18 December 2025); changes to industrial action "
    "from 18 February 2026. Summaries: bevanbrittan.com 'Employment Rights Act 2025 timeline'; "
    "hunterlaw.uk; higgsllp.co.uk; cooklawyers.co.uk. On the 50% turnout threshold sources "
    "disagree: Thompsons and Anthony Collins say it stays until regulations commence its repeal "
    "(timed with electronic balloting); some employer-side summaries say a simple majority "
    "applies from February 2026. The threshold is kept until a commencement date is entered."
)
NI_SOURCE = (
    "The Trade Union Act 2016 applies to Great Britain only; Northern Ireland has its own "
    "industrial relations law, with no 50% turnout or 40% support thresholds."
)

RULE_SETS = [
    {
        "name": "Great Britain: Trade Union Act 2016",
        "jurisdiction": "GB",
        "effective_from": datetime.date(2017, 3, 1),
        "turnout_threshold_pct": 50,
        "ips_support_threshold_pct": 40,
        "mandate_months": 6,
        "mandate_months_by_agreement": 9,
        "notice_days": 14,
        "notice_days_by_agreement": 7,
        "source": TUA_2016_SOURCE,
    },
    {
        "name": "Great Britain: Employment Rights Act 2025",
        "jurisdiction": "GB",
        "effective_from": datetime.date(2026, 2, 18),
        "turnout_threshold_pct": 50,
        "turnout_threshold_ends_on": None,
        "ips_support_threshold_pct": None,
        "mandate_months": 12,
        "mandate_months_by_agreement": None,
        "notice_days": 10,
        "notice_days_by_agreement": None,
        "transition_note": (
            "This ballot opened before 18 February 2026 and its mandate runs past that day. "
            "The sources do not settle whether its mandate is 6 (or 9) months or 12 months: "
            "check with the union."
        ),
        "source": ERA_2025_SOURCE,
    },
    {
        "name": "Northern Ireland",
        "jurisdiction": "NI",
        "effective_from": datetime.date(1996, 1, 1),
        "turnout_threshold_pct": None,
        "ips_support_threshold_pct": None,
        "mandate_months": None,
        "notice_days": None,
        "source": NI_SOURCE,
        "notes": (
            "Mandate and notice periods are not yet entered: an admin should add them from a "
            "cited source on Northern Ireland's law."
        ),
    },
]


def add_rule_sets(apps, schema_editor):
    BallotRuleSet = apps.get_model("strikes", "BallotRuleSet")
    for fields in RULE_SETS:
        BallotRuleSet.objects.update_or_create(
            jurisdiction=fields["jurisdiction"],
            effective_from=fields["effective_from"],
            defaults=fields,
        )


class Migration(migrations.Migration):
    dependencies = [("strikes", "0001_initial")]

    operations = [migrations.RunPython(add_rule_sets, migrations.RunPython.noop)]
