import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db

SEEDED = [
    "clps.CLP",
    "clps.PostcodeDistrict",
    "clps.User",
    "clps.Membership",
    "clps.JoinRequest",
    "strikes.Union",
    "account.EmailAddress",
]


def snapshot() -> dict[str, list]:
    return {
        label: sorted(
            tuple(str(v) for v in row) for row in apps.get_model(label).objects.values_list()
        )
        for label in SEEDED
    }


def test_seed_demo_twice_gives_the_same_data(capsys):
    call_command("seed_demo")
    first = snapshot()
    output = capsys.readouterr().out
    call_command("seed_demo")
    assert snapshot() == first
    assert "tulo@example.org" in output
    assert len(first["clps.CLP"]) == 2
    assert len(first["clps.JoinRequest"]) == 1  # for the TULO to answer on the dashboard
    assert "newcomer@example.org" in output
    assert {row[2] for row in first["strikes.Union"]} >= {
        "CWU",
        "PCS",
        "UNISON",
        "Unite",
        "RMT",
        "GMB",
        "NEU",
    }


@override_settings(SEED_DEMO_ALLOWED=False)
def test_seed_demo_is_refused_where_demo_accounts_are_not_allowed():
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo")
