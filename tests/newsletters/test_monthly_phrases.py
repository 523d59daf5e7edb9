"""The small pieces of English the monthly section and the column are written in: "a" or "an",
counts that agree with their nouns, lists, possessives, union names and days."""

import datetime

import pytest

from newsletters.monthly.phrases import (
    article,
    join,
    join_some,
    on_days,
    plural,
    possessive,
    sentence,
    union_name,
    with_article,
)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("benefit gig", "a"),
        ("event", "an"),
        ("indicative ballot", "an"),
        ("union speaker", "a"),  # "you"
        ("unknown", "an"),
        ("one-day strike", "a"),  # "wun"
        ("hour", "an"),
        ("honest count", "an"),
        ("hospital", "a"),
        ("European ruling", "a"),
        # Capitals said letter by letter go by the sound of the first letter's name.
        ("NHS trust", "an"),
        ("MP", "an"),
        ("RMT speaker", "an"),
        ("NEU rep", "an"),
        ("FBU picket", "an"),
        ("CWU speaker", "a"),
        ("GMB branch", "a"),
        ("PCS member", "a"),
        ("UCU branch", "a"),
        ("MPs' visit", "an"),
        ("X-ray", "an"),
        ("U-turn", "a"),
        # Capitals said as a word.
        ("UNISON speaker", "a"),
        ("ASLEF driver", "an"),
        ("USDAW rep", "an"),
        ("Unite steward", "a"),
        ("Equity member", "an"),
        # Figures, as said aloud.
        ("8% pay rise", "an"),
        ("80% turnout", "an"),
        ("11-day strike", "an"),
        ("18% turnout", "an"),
        ("18,000-strong union", "an"),
        ("110-strong branch", "a"),
        ("1,350 raised", "a"),
        ("67% turnout", "a"),
        ("£500 donation", "a"),
        ("“Rock Against Austerity” gig", "a"),
        ("“Open mic” night", "an"),
    ],
)
def test_a_or_an_goes_by_how_the_next_word_is_said(phrase, expected):
    assert article(phrase) == expected
    assert with_article(phrase) == f"{expected} {phrase}"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "no members"),
        (1, "one member"),
        (2, "two members"),
        (9, "nine members"),
        (10, "10 members"),
        (1350, "1,350 members"),
    ],
)
def test_counts_agree_with_their_noun_and_small_ones_are_spelt_out(n, expected):
    assert plural(n, "member") == expected


def test_a_count_of_one_can_read_as_a_or_an():
    assert plural(1, "solidarity message", a=True) == "a solidarity message"
    assert plural(1, "indicative ballot", a=True) == "an indicative ballot"
    assert plural(2, "solidarity message", a=True) == "two solidarity messages"
    assert plural(3, "other group", "other groups") == "three other groups"


def test_lists_join_with_and_and_no_oxford_comma():
    assert join([]) == ""
    assert join(["A"]) == "A"
    assert join(["A", "", "B"]) == "A and B"
    assert join(["A", "B", "C"]) == "A, B and C"


def test_long_lists_name_two_and_count_the_rest():
    assert join_some(["A", "B", "C"]) == "A, B and C"  # not "A, B and one other"
    assert join_some(list("ABCDEFG")) == "A, B and five others"
    assert join_some(list("ABCDEFG"), limit=3) == "A, B, C and four others"
    assert join_some([f"D{n}" for n in range(14)]) == "D0, D1 and 12 others"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Royal Mail", "Royal Mail's"),
        ("the CWU", "the CWU's"),
        ("UNISON", "UNISON's"),
        ("St James", "St James's"),
        ("Northgate IT Services", "Northgate IT Services'"),
        ("Homerton Healthcare NHS Foundation Trust", "Homerton Healthcare NHS Foundation Trust's"),
        ("the DWP's", "the DWP's"),
    ],
)
def test_possessives(name, expected):
    assert possessive(name) == expected


def test_unions_said_as_letters_take_the_mid_sentence():
    assert union_name("CWU") == "the CWU"
    assert union_name("RMT") == "the RMT"
    assert union_name("UNISON") == "UNISON"
    assert union_name("Unite") == "Unite"
    assert possessive(union_name("PCS")) == "the PCS's"


def test_days_are_counted_or_given_first_and_last_not_listed():
    d = datetime.date
    assert on_days([d(2026, 11, 26)]) == "on 26 November"
    assert on_days([d(2026, 12, 9), d(2026, 12, 8)]) == "on 8 and 9 December"
    assert on_days([d(2026, 11, 30), d(2026, 12, 1)]) == "on 30 November and 1 December"
    assert on_days([d(2026, 10, 20), d(2026, 10, 21), d(2026, 10, 22)]) == "from 20 to 22 October"
    weekdays = [d(2026, 11, 30) + datetime.timedelta(days=n) for n in range(16) if n % 7 < 5]
    assert on_days(weekdays) == "on 12 days between 30 November and 15 December"
    assert on_days([]) == ""


def test_a_sentence_starts_with_a_capital_and_ends_with_one_stop():
    assert sentence("the NEU rep spoke") == "The NEU rep spoke."
    assert sentence("We won.") == "We won."
    assert sentence("The CLP passed a motion, “Back the strike”") == (
        "The CLP passed a motion, “Back the strike”."
    )
    assert sentence("They said “We won!”") == "They said “We won!”"
    assert sentence("  ") == ""
