"""The monthly section and the column read as English a local paper would print: disputes named
by who is in them, where and over what, never by a title pasted mid-sentence; "a" and "an" as
the next word is said; counts that agree with their nouns; long lists cut to "A, B and five
others"; and a column of 350 to 400 words when the month had enough news, never padded when it
did not. Checked for the demo's month, a month with one dispute, a busy month and an empty one.
"""

import datetime
import re

import pytest
from django.utils import timezone

from clps import demo as clp_demo
from newsletters.monthly.column import COLUMN_FULL, COLUMN_WORDS, column_text, word_count
from newsletters.monthly.prose import draft_markdown
from newsletters.monthly.selectors import MonthContent, gather
from newsletters.monthly.solidarity import event_phrase, speaker_phrase
from pickets import demo as pickets_demo
from pickets.models import ActionType, Office
from strikes import demo as strikes_demo
from strikes.models import Dispute

from ..factories import (
    ActionDayFactory,
    BallotFactory,
    DisputeFactory,
    EmployerFactory,
    FollowedDisputeFactory,
    PicketVisitFactory,
    SolidarityActionFactory,
    UnionFactory,
)

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2027, 3, 1)
IN_MARCH = datetime.datetime(2027, 3, 2, 10, tzinfo=datetime.UTC)

# Words the generated text may put after "a" though they start with a vowel, and after "an"
# though they start with a consonant: said "you…", "wun…"; letters said "em", "en", "ar"…
SAID_WITH_A = re.compile(r"(uni|use|usu|one\b|eu|UNISON|U\b|UCU|Unite)", re.IGNORECASE)
SAID_WITH_AN = re.compile(r"(hour|honest|[FHLMNRSX][A-Z]+\b|[FHLMNRSX]P?s?\b|8|11\b|18\b)")
COUNTED = ["member", "picket line", "day", "dispute", "ballot", "motion", "other", "councillor"]
COUNTED += ["solidarity message", "elected representative", "union speaker", "speaker"]
SMALL = "(?:one|two|three|four|five|six|seven|eight|nine)"


def article_mistakes(text: str) -> list[str]:
    """Each "a"/"an" whose next word is said otherwise."""
    wrong = []
    for match in re.finditer(r"\b([Aa]n?) [“\"(]?([\w£%,-]+)", text):
        art, word = match.group(1).lower(), match.group(2)
        vowel = word[0].lower() in "aeiou"
        wants_an = (vowel and not SAID_WITH_A.match(word)) or bool(SAID_WITH_AN.match(word))
        if (art == "an") != wants_an:
            wrong.append(match.group(0))
    return wrong


def count_mistakes(text: str) -> list[str]:
    """'one members', 'two member', '1 day', '23 member'."""
    nouns = "|".join(re.escape(n) for n in COUNTED)
    singular = rf"\b(?:{SMALL}|\d[\d,]*) (?:{nouns})\b(?!s)"
    wrong = [
        m.group(0) for m in re.finditer(singular, text) if not m.group(0).startswith(("one ", "1 "))
    ]
    wrong += re.findall(rf"\bone (?:{nouns})s\b", text)
    wrong += re.findall(rf"\b1 (?:{nouns})", text)  # one is spelt out
    return wrong


def title_mistakes(text: str) -> list[str]:
    """Any dispute's title in the text at all, and above all a title followed by a colon."""
    titles = Dispute.objects.values_list("title", flat=True)
    return [t for t in titles if t in text] + [f"{t}:" for t in titles if f"{t}:" in text]


def body_of(markdown: str) -> str:
    """The section without its headings (where a title could stand as a label) and links."""
    lines = [line for line in markdown.splitlines() if not line.startswith("#")]
    return re.sub(r"\]\([^)]*\)", "]", "\n".join(lines))


def assert_reads_well(content: MonthContent) -> tuple[str, str]:
    section, column = draft_markdown(content), column_text(content)
    for text in (body_of(section), column):
        assert "::" not in text and ",," not in text
        assert title_mistakes(text) == []
        assert article_mistakes(text) == []
        assert count_mistakes(text) == []
        # Every sentence starts with a capital letter, and none with figures.
        assert not re.search(r"[.!?] [a-z\d]", text), re.search(r"[.!?] [a-z\d].{0,40}", text)
        assert not re.search(r"(^|\n)(- )?[a-z\d]", text.strip())
    # A column says everything the month had when that fits; when it does not, it fills the
    # space. Nothing is ever added to fill it.
    everything = column_text(content, limit=10_000)
    if word_count(everything) > COLUMN_WORDS:
        assert COLUMN_FULL <= word_count(column) <= COLUMN_WORDS
    else:
        assert column == everything
    return section, column


def test_the_checks_catch_what_the_issue_complained_of():
    """A guard for the guards: the sentences the TULO had to rewrite fail them."""
    assert article_mistakes("We held Benefit gig. We heard a RMT speaker and an union rep.") == [
        "a RMT",
        "an union",
    ]
    assert article_mistakes("an NHS trust, a UNISON branch, an 8% rise, a one-day strike") == []
    assert count_mistakes("one members went to two picket line on 1 day") == [
        "two picket line",
        "one members",
        "1 day",
    ]


def test_the_demo_month_reads_as_a_local_paper_would_print_it(db):
    clps = clp_demo.seed()
    strikes_demo.seed(clps)
    pickets_demo.seed(clps)
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)

    content = gather(clp=clps["hackney-north"], month=last_month)
    section, column = assert_reads_well(content)

    # The demo's hospital dispute began last month, so the demo's section always has news.
    began = (
        "UNISON porters, cleaners and caterers at Homerton hospital began a dispute over "
        "bringing their jobs back into the NHS; they are balloting for action."
    )
    assert f"- {began}" in section and began in column
    assert "Homerton hospital ancillary staff" not in section + column


@pytest.fixture
def one_dispute(clp):
    """March 2027: one new dispute with no phrases of its own, one strike day, one visit, one
    donation."""
    gmb = UnionFactory(short_name="GMB", name="GMB")
    found = DisputeFactory(
        title="Council: refuse collection",
        unions=[gmb],
        employer=EmployerFactory(name="London Borough of Hackney"),
        issues=["pay", "safety"],
    )
    FollowedDisputeFactory(clp=clp, dispute=found)
    Dispute.objects.filter(pk=found.pk).update(created_at=IN_MARCH)
    ActionDayFactory(dispute=found, date=datetime.date(2027, 3, 18))
    PicketVisitFactory(
        clp=clp, dispute=found, date=datetime.date(2027, 3, 18), members_count=1, banner=True
    )
    SolidarityActionFactory(
        clp=clp,
        kind=ActionType.DONATION,
        date=datetime.date(2027, 3, 19),
        amount_pence=10_000,
        union=gmb,
    )
    return clp


def test_a_month_with_one_dispute(one_dispute):
    content = gather(clp=one_dispute, month=MARCH)
    section, column = assert_reads_well(content)

    who = "GMB members at the London Borough of Hackney"
    # Began and struck in one sentence, not two.
    assert f"- {who} began a dispute over pay and health and safety; they struck on 18 March." in (
        section
    )
    assert section.count(who) == 2 and column.count(who) == 2
    assert (
        f"One member of the CLP joined the picket line of {who}. We took the CLP banner. "
        "We raised £100 for GMB members." in section
    )
    assert word_count(column) < COLUMN_FULL
    assert "April" not in column  # nothing is coming, and the column does not say so at length


@pytest.fixture
def busy(clp):
    """March 2027 for a CLP that follows a lot: twelve new disputes with strike days, five
    ballot results, eleven visits, three funds, events, speakers, motions and messages."""
    rmt = UnionFactory(short_name="RMT", name="RMT")
    unison = UnionFactory(short_name="UNISON", name="UNISON")
    places = ["Hackney Central", "Dalston Junction", "Homerton", "Clapton", "Hackney Downs"]
    homes = ["Acorn House", "Beech Lodge", "Cedar Court", "Elm Grove", "Fir Trees", "Oak Lea"]
    disputes = []
    for n in range(12):
        union = rmt if n % 2 else unison
        found = DisputeFactory(
            title=f"Dispute number {n}: the long name",
            unions=[union],
            workers=(
                f"station staff at {places[n % 5]}"
                if union == rmt
                else f"carers at {homes[n // 2]}"
            ),
            about="pay" if n % 3 else "",
            issues=["jobs"],
        )
        FollowedDisputeFactory(clp=clp, dispute=found)
        Dispute.objects.filter(pk=found.pk).update(created_at=IN_MARCH)
        for day in range(n % 4 + 1):
            ActionDayFactory(dispute=found, date=datetime.date(2027, 3, 8 + day + n))
        ActionDayFactory(dispute=found, date=datetime.date(2027, 4, 6 + n))
        if n < 5:
            BallotFactory(
                dispute=found,
                union=union,
                opens_on=datetime.date(2027, 2, 1),
                closes_on=datetime.date(2027, 3, 1 + n),
                entitled_to_vote=200,
                votes_cast=80 + 20 * n,
                yes_votes=70 + 15 * n,
                no_votes=10 + 5 * n,
            )
        disputes.append(found)
    for n in range(11):
        PicketVisitFactory(
            clp=clp,
            dispute=disputes[n % 4],
            date=datetime.date(2027, 3, 8 + n),
            members_count=2 + n % 3,
            banner=n % 2 == 0,
            representatives=[("Diane Abbott", Office.MP)] if n in (1, 5) else [],
        )
    for n, fund in enumerate(["RMT strike fund", "UNISON Hackney strike fund", ""]):
        SolidarityActionFactory(
            clp=clp,
            kind=ActionType.MONEY_RAISED,
            date=datetime.date(2027, 3, 10 + n),
            amount_pence=25_000 * (n + 1),
            fund_name=fund,
            union=rmt if n == 0 else unison,
        )
    for title in ("Quiz night at the Three Crowns", "Rock Against Austerity"):
        SolidarityActionFactory(
            clp=clp,
            kind=ActionType.BENEFIT_EVENT,
            date=datetime.date(2027, 3, 20),
            title=title,
            amount_pence=5_000,
            fund_name="RMT strike fund",
        )
    for union in (rmt, unison):
        SolidarityActionFactory(
            clp=clp, kind=ActionType.SPEAKER, date=datetime.date(2027, 3, 4), union=union
        )
    for title in ("Back the station staff", "Fund care properly"):
        SolidarityActionFactory(
            clp=clp, kind=ActionType.MOTION, date=datetime.date(2027, 3, 4), title=title
        )
    for _ in range(3):
        SolidarityActionFactory(clp=clp, kind=ActionType.MESSAGE, date=datetime.date(2027, 3, 5))
    return clp


def test_a_busy_month_fills_the_column_and_names_two_of_many(busy):
    content = gather(clp=busy, month=MARCH)
    section, column = assert_reads_well(content)

    assert COLUMN_FULL <= word_count(column) <= COLUMN_WORDS
    # Twelve new disputes in the column: two named, the rest counted.
    assert (
        "UNISON carers at Acorn House, RMT station staff at Dalston Junction and 10 others began "
        "new disputes." in column
    )
    # Each is a sentence in the section, which has room.
    assert section.count(" began a dispute over ") == 12
    assert "RMT station staff at Dalston Junction began a dispute over pay" in section
    assert "UNISON carers at Acorn House began a dispute over jobs" in section
    # What the CLP did: in words, with a and an as said.
    assert (
        "In March, 32 members of the CLP made 11 visits to picket lines, with the MP at two."
        in section
    )
    assert "The CLP banner went to six of them." in section
    assert (
        "We held a quiz night at the Three Crowns on 20 March and a benefit event, “Rock Against "
        "Austerity”, on 20 March." in section
    )
    assert "We heard from an RMT speaker and a UNISON speaker at CLP meetings." in section
    assert (
        "The CLP passed two motions: “Back the station staff” and “Fund care properly”." in section
    )
    assert "We sent three solidarity messages." in section
    # The RMT strike fund had gifts with and without the union named: it is one fund.
    assert (
        "We raised £1,600 for strike funds: £750 for UNISON members, £500 for the UNISON "
        "Hackney strike fund and £350 for the RMT strike fund." in section
    )


def test_each_kind_of_news_reads_as_a_sentence(clp):
    unison, rmt = UnionFactory(short_name="UNISON"), UnionFactory(short_name="RMT")
    porters = DisputeFactory(unions=[unison], workers="porters at Homerton hospital")
    transport = DisputeFactory(
        unions=[rmt], employer=EmployerFactory(name="Department for Transport"), about="pay"
    )
    for found in (porters, transport):
        FollowedDisputeFactory(clp=clp, dispute=found)
    # Closed in March with no result yet.
    BallotFactory(
        dispute=porters,
        union=unison,
        opens_on=datetime.date(2027, 2, 17),
        closes_on=datetime.date(2027, 3, 10),
        entitled_to_vote=300,
    )
    BallotFactory(
        dispute=transport,
        union=rmt,
        kind="indicative",
        opens_on=datetime.date(2027, 2, 17),
        closes_on=datetime.date(2027, 3, 10),
        entitled_to_vote=1000,
        votes_cast=800,
        yes_votes=720,
        no_votes=80,
    )
    ActionDayFactory(dispute=transport, date=datetime.date(2027, 3, 12), kind="asos")
    SolidarityActionFactory(
        clp=clp,
        kind=ActionType.SPEAKER,
        date=datetime.date(2027, 3, 4),
        title="Dave Ward, CWU general secretary",
    )
    SolidarityActionFactory(
        clp=clp,
        kind=ActionType.BENEFIT_EVENT,
        date=datetime.date(2027, 4, 10),
        title="Rock Against Austerity",
    )
    content = gather(clp=clp, month=MARCH)
    section, column = assert_reads_well(content)

    assert (
        "- Voting closed on 10 March in UNISON's ballot of porters at Homerton hospital; the "
        "result is not in yet." in section
    )
    assert (
        "- In an indicative ballot, RMT members at the Department for Transport voted 90% yes "
        "on an 80% turnout." in section
    )
    assert (
        "- RMT members at the Department for Transport took action short of a strike on "
        "12 March." in section
    )
    assert "Dave Ward, CWU general secretary, spoke at a CLP meeting on 4 March." in section
    assert "- On 10 April we are holding a benefit event, “Rock Against Austerity”." in section


def test_an_empty_month_is_short_and_says_so(clp):
    content = gather(clp=clp, month=MARCH)
    section, column = assert_reads_well(content)

    assert content.is_empty
    paragraphs = column.strip().split("\n\n")
    assert len(paragraphs) == 2  # the quiet month, and where to find more: nothing to fill
    assert paragraphs[0].startswith("March was a quiet month for the disputes that ")
    assert word_count(column) < 80


@pytest.mark.parametrize(
    ("title", "alone", "listed"),
    [
        ("Dave Ward, CWU general secretary", "Dave Ward, CWU general secretary,", None),
        ("Striking bus driver", "a striking bus driver", None),
        ("Unite rep", "the Unite rep", None),
        ("UNISON branch secretary", "the UNISON branch secretary", None),
        ("the NEU rep", "the NEU rep", None),
        ("Kate Osborne", "Kate Osborne", None),
        ("", "a Unite speaker", None),
    ],
)
def test_speakers_are_named_as_a_paper_would(title, alone, listed):
    unite = UnionFactory.build(short_name="Unite")
    speaker = SolidarityActionFactory.build(kind=ActionType.SPEAKER, title=title, union=unite)
    assert speaker_phrase(speaker) == alone
    expected = "Dave Ward (CWU general secretary)" if title.startswith("Dave") else alone
    assert speaker_phrase(speaker, listed=True) == (listed or expected)


@pytest.mark.parametrize(
    ("title", "said"),
    [
        ("Quiz Night at the Three Crowns", "a quiz night at the Three Crowns"),
        (
            "Benefit gig at the Stoke Newington social club",
            "a benefit gig at the Stoke Newington social club",
        ),
        ("Film screening: Pride", "a benefit event, “Film screening: Pride”,"),
        ("Rock Against Austerity", "a benefit event, “Rock Against Austerity”,"),
        ("", "a benefit event"),
    ],
)
def test_events_are_told_as_words_or_named_in_quotes(title, said):
    event = SolidarityActionFactory.build(kind=ActionType.BENEFIT_EVENT, title=title)
    assert event_phrase(event) == said
