"""Properties of the main forms and the CSV import, over values hypothesis makes up.

Whatever is typed, a form either says what is wrong or saves something that reads back; it
never raises. Each example runs in a savepoint that is rolled back, so examples share the
database fixture without seeing each other's writes (see conftest.py for the profiles).
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given, note
from hypothesis import strategies as st

from clps.postcodes import POSTCODE_RE
from newsletters.forms import SubscribeForm
from newsletters.models import Subscriber
from newsletters.services import subscribe
from pickets import rep_import
from pickets.forms import PicketLineForm, SolidarityActionForm
from pickets.models import MONEY_TYPES, ActionType
from pickets.rep_forms import RepresentativeForm
from pickets.representatives import representative_save
from strikes import csv_import, services
from strikes.ballot_law import assess
from strikes.forms import BallotForm, DisputeForm
from strikes.models import CsvImportKind, Dispute

from .crawl import rolled_back

pytestmark = pytest.mark.django_db


# What a person (or a script) might type into a box.
typed = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=500),
    st.sampled_from(
        ["", " ", "<script>alert(1)</script>", "' OR 1=1 --", "\x00", "\u202e", "x" * 5000]
    ),
)
numbers = st.one_of(
    st.just(""),
    st.integers(min_value=0, max_value=10_000).map(str),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals().map(str),
    typed,
)
dates = st.one_of(
    st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31)).map(str),
    st.dates().map(lambda d: d.isoformat()),
    typed,
)
times = st.one_of(st.times().map(lambda t: t.isoformat()), typed)


# Each property is given a form built by one of these, from the values hypothesis chose. The
# GOOD values are a form a TULO might fill in: each property runs them as an explicit example,
# and test_the_good_examples_are_valid makes sure they reach the property's save path.


def dispute_form(seeded, *, title, new_employer, demands, sources):
    data = {
        "title": title,
        "unions": [seeded.union.pk],
        "new_employer": new_employer,
        "status": "balloting",
        "demands": demands,
        "sources": sources,
    }
    return DisputeForm(data)


def ballot_form(seeded, *, entitled, cast, yes, no, spoilt, opens, closes, announced):
    data = {
        "union": seeded.union.pk,
        "kind": "statutory",
        "jurisdiction": "GB",
        "method": "postal",
        "opens_on": opens,
        "closes_on": closes,
        "entitled_to_vote": entitled,
        "votes_cast": cast,
        "yes_votes": yes,
        "no_votes": no,
        "spoilt": spoilt,
        "result_announced_on": announced,
    }
    return BallotForm(data)


def subscribe_form(seeded, *, email, name, postcode):
    return SubscribeForm({"email": email, "name": name, "postcode": postcode, "consent": "on"})


def action_form(seeded, *, kind, amount):
    data = {
        "kind": kind,
        "date": "2026-10-01",
        "title": "Hardship fund collection",
        "amount": amount,
        "fund_name": "Strike fund",
    }
    return SolidarityActionForm(data, disputes=Dispute.objects.all())


def picket_line_form(seeded, *, start, end, place, postcode):
    data = {
        "place": place,
        "postcode": postcode,
        "action_days": [seeded.action_day.pk],
        "start_time": start,
        "end_time": end,
    }
    return PicketLineForm(data, dispute=seeded.dispute)


def representative_form(seeded, *, name, area, party, email, start, end):
    data = {
        "name": name,
        "office": "councillor",
        "area": area,
        "party": party,
        "email": email,
        "active_from": start,
        "active_until": end,
    }
    return RepresentativeForm(data, clp=seeded.clp)


GOOD = {
    representative_form: {
        "name": "Sade Etti",
        "area": "Clissold",
        "party": "Labour",
        "email": "ali@example.org",
        "start": "2022-05-05",
        "end": "",
    },
    dispute_form: {
        "title": " <b>Pay</b> ",
        "new_employer": "Royal Mail",
        "demands": "£1 an hour",
        "sources": "https://union.example/news",
    },
    ballot_form: {
        "entitled": "100",
        "cast": "60",
        "yes": "50",
        "no": "10",
        "spoilt": "",
        "opens": "2026-10-01",
        "closes": "2026-10-22",
        "announced": "2026-10-23",
    },
    subscribe_form: {"email": " Ruth@Example.org ", "name": "Ruth", "postcode": "n16 7aa"},
    action_form: {"kind": ActionType.MONEY_RAISED, "amount": "12.50"},
    picket_line_form: {
        "start": "07:00",
        "end": "10:00",
        "place": "The yard gate",
        "postcode": "N16 7AA",
    },
}


@pytest.mark.parametrize("build", GOOD, ids=lambda build: build.__name__)
def test_the_good_examples_are_valid(seeded, build):
    form = build(seeded, **GOOD[build])

    assert form.is_valid(), form.errors


@given(title=typed, new_employer=typed, demands=typed, sources=typed)
@example(**GOOD[dispute_form])
def test_the_dispute_form_refuses_or_saves_what_was_typed(seeded, **values):
    with rolled_back():
        form = dispute_form(seeded, **values)
        if not form.is_valid():
            assert form.errors
            assert all(all(m.strip() for m in ms) for ms in form.errors.values())
            return
        data = form.cleaned_data
        saved = services.dispute_save(
            clp=seeded.clp,
            user=seeded.tulo,
            dispute=form.save(commit=False),
            unions=data["unions"],
            branches=data["branches"],
            workplaces=data["workplaces"],
            new_employer=data["new_employer"],
        )
        saved.refresh_from_db()
        assert saved.title == values["title"].strip()
        assert saved.employer.name == values["new_employer"].strip()
        assert saved.demands == values["demands"].strip()


@given(
    entitled=numbers,
    cast=numbers,
    yes=numbers,
    no=numbers,
    spoilt=numbers,
    opens=dates,
    closes=dates,
    announced=dates,
)
@example(**GOOD[ballot_form])
@example(**GOOD[ballot_form] | {"closes": "9999-12-31", "announced": ""})
@example(**GOOD[ballot_form] | {"announced": "9999-12-31"})
def test_the_ballot_form_refuses_or_saves_a_ballot_the_dispute_page_can_show(seeded, **values):
    with rolled_back():
        form = ballot_form(seeded, **values)
        if not form.is_valid():
            assert form.errors
            return
        ballot = services.ballot_save(ballot=form.save(commit=False), dispute=seeded.dispute)
        note(repr(form.cleaned_data))
        if ballot.votes_cast is not None and ballot.entitled_to_vote is not None:
            assert ballot.votes_cast <= ballot.entitled_to_vote
        counted = (ballot.yes_votes or 0) + (ballot.no_votes or 0) + (ballot.spoilt or 0)
        assert ballot.votes_cast is None or counted <= ballot.votes_cast
        assess(ballot)
        client = Client()
        client.force_login(seeded.tulo)
        page = client.get(
            reverse("strikes:dispute_detail", args=[seeded.clp.slug, seeded.dispute.pk])
        )
        assert page.status_code == 200


@given(
    email=st.one_of(st.emails(), typed, st.emails().map(lambda e: f" {e.upper()} ")),
    name=typed,
    postcode=st.one_of(st.from_regex(POSTCODE_RE, fullmatch=True), typed),
)
@example(**GOOD[subscribe_form])
def test_the_subscribe_form_refuses_or_subscribes(seeded, **values):
    with rolled_back():
        form = subscribe_form(seeded, **values)
        if not form.is_valid():
            assert form.errors
            return
        cleaned = form.cleaned_data
        assert "<" not in cleaned["name"] and ">" not in cleaned["name"]
        assert cleaned["postcode"] == "" or POSTCODE_RE.match(cleaned["postcode"])
        subscribe(
            clp=seeded.clp,
            email=cleaned["email"],
            name=cleaned["name"],
            postcode=cleaned["postcode"],
        )
        saved = Subscriber.objects.get(clp=seeded.clp, email__iexact=cleaned["email"])
        assert saved.name == cleaned["name"]
        assert saved.postcode == cleaned["postcode"]


@given(
    kind=st.sampled_from(ActionType.values),
    amount=st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(["£-5", "1,000,000,000,000", "12.50", "0.01", "1e309", "NaN"]),
        numbers,
    ),
)
@example(**GOOD[action_form])
@example(kind=ActionType.MOTION, amount="")
def test_the_ledgers_money_is_refused_or_kept_as_whole_pence(seeded, kind, amount):
    with rolled_back():
        form = action_form(seeded, kind=kind, amount=amount)
        if not form.is_valid():
            assert form.errors
            return
        action = form.save(commit=False)
        action.clp = seeded.clp
        action.save()
        action.refresh_from_db()
        if kind in MONEY_TYPES:
            assert Decimal(action.amount_pence) == Decimal(amount.strip()) * 100
            assert 0 <= action.amount_pence <= 1_000_000_000
        else:
            assert action.amount_pence is None


@given(start=times, end=times, place=typed, postcode=typed)
@example(**GOOD[picket_line_form])
def test_a_picket_line_is_refused_or_ends_after_it_starts(seeded, **values):
    with rolled_back():
        form = picket_line_form(seeded, **values)
        if not form.is_valid():
            assert form.errors
            return
        line = form.save(commit=False)
        line.clp, line.dispute = seeded.clp, seeded.dispute
        line.save()
        line.refresh_from_db()
        assert line.start_time < line.end_time
        assert line.place == values["place"].strip()


@given(name=typed, area=typed, party=typed, email=typed, start=dates, end=dates)
@example(**GOOD[representative_form])
def test_a_representative_is_refused_or_saved_as_typed(seeded, **values):
    with rolled_back():
        form = representative_form(seeded, **values)
        if not form.is_valid():
            assert form.errors
            assert all(all(m.strip() for m in ms) for ms in form.errors.values())
            return
        rep = representative_save(representative=form.save(commit=False))
        rep.refresh_from_db()
        assert rep.name == values["name"].strip()
        assert rep.area == values["area"].strip()
        assert (
            rep.active_until is None
            or rep.active_from is None
            or (rep.active_from <= rep.active_until)
        )


@given(text=st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1"))))
def test_the_representatives_import_reads_any_text_without_raising(seeded, text):
    """Any text is refused as a whole or checked row by row, each problem on a line."""
    try:
        cleaned = csv_import.clean_text(text)
        csv_import.prepare(cleaned)
    except csv_import.ImportRefused as refused:
        assert str(refused)
        return
    plan = rep_import.check(clp=seeded.clp, text=cleaned)
    assert plan.ok or all(p.message for p in plan.errors)


@given(text=st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1"))))
@pytest.mark.parametrize("kind", CsvImportKind.values)
def test_the_import_reads_any_text_without_raising(seeded, kind, text):
    """Any text is either refused as a whole or checked row by row; nothing else escapes."""
    try:
        cleaned = csv_import.clean_text(text)
        csv_import.prepare(cleaned)
    except csv_import.ImportRefused as refused:
        assert str(refused)
        return
    plan = csv_import.check(kind=kind, text=cleaned)
    assert plan.ok or all(p.message for p in plan.errors)
    assert all(
        p.line is None or 1 <= p.line <= text.count("\n") + text.count("\r") + 1
        for p in plan.errors
    )


cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=",;\"'"),
    max_size=60,
).map(str.strip)


@given(notes=st.lists(cell, min_size=1, max_size=8))
def test_valid_action_days_round_trip_through_the_import(seeded, notes):
    today = timezone.localdate()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["dispute", "date", "note"])
    for n, text in enumerate(notes):
        writer.writerow([seeded.dispute.pk, today + datetime.timedelta(days=30 + n), text])
    with rolled_back():
        plan = csv_import.import_apply(
            kind=CsvImportKind.ACTION_DAYS, text=out.getvalue(), user=None
        )
        assert plan.ok
        saved = list(
            seeded.dispute.action_days.filter(date__gte=today + datetime.timedelta(days=30))
            .order_by("date")
            .values_list("note", flat=True)
        )
        assert saved == notes
