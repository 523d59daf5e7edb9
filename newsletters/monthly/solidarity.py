"""What the CLP's members did in the month, as sentences: the picket lines they went to and with
whom, the banner, the money raised and for which fund, the events held, the speakers heard, the
motions passed and the messages sent; and the CLP's own events next month.

An entry's kind says what it was ("a benefit event", "a UNISON speaker"); its title is used as
words only where it reads as them ("Benefit gig at the social club" becomes "a benefit gig at the
social club"), and otherwise as a name in quotes.
"""

import re
from collections.abc import Callable

from pickets.models import ActionType, Office, SolidarityAction
from pickets.templatetags.pickets_tags import pounds

from .phrases import (
    NUMBER_WORDS,
    day,
    join,
    join_some,
    plural,
    quoted,
    sentence,
    with_article,
    words,
)
from .selectors import MonthContent
from .sentences import who

# First words of an event's title that make it a description ("Quiz night at the Three Crowns"),
# not a name ("Rock Against Austerity").
EVENT_WORDS = {
    "auction",
    "barbecue",
    "benefit",
    "book",
    "breakfast",
    "bucket",
    "cabaret",
    "cake",
    "ceilidh",
    "collection",
    "comedy",
    "concert",
    "curry",
    "dinner",
    "disco",
    "family",
    "film",
    "fundraiser",
    "fundraising",
    "gig",
    "jumble",
    "karaoke",
    "lunch",
    "music",
    "party",
    "picnic",
    "quiz",
    "raffle",
    "rally",
    "screening",
    "social",
    "sponsored",
    "stall",
    "street",
    "supper",
    "walk",
}
KIND_WORDS: dict[str, str] = {
    ActionType.BENEFIT_EVENT: "benefit event",
    ActionType.SPEAKER: "union speaker",
}


# Words that end the description at the start of an event's title and begin where it was.
PLACE = re.compile(r"\b(at|in|on|for|with|outside)\b")


def _described(title: str) -> str:
    """'Quiz Night at the Three Crowns' -> 'quiz night at the Three Crowns': the words before
    where it was, written in title case, said as ordinary words; the place as written."""
    found = PLACE.search(title)
    head, tail = (title[: found.start()], title[found.start() :]) if found else (title, "")
    head = " ".join(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in head.split())
    return f"{head} {tail}".strip()


def event_phrase(action: SolidarityAction) -> str:
    """'a benefit gig at the Stoke Newington social club', or 'a benefit event, “Rock Against
    Austerity”', or without a title, 'a benefit event'."""
    title = " ".join(action.title.split()).rstrip(".")
    kind = KIND_WORDS.get(action.kind, "event")
    if not title:
        return with_article(kind)
    first, _, rest = title.partition(" ")
    if ":" not in title:
        if first.lower() in ("a", "an", "the") and rest:
            return f"{first.lower()} {_described(rest)}"
        if first.islower() or (first[1:].islower() and first.lower() in EVENT_WORDS):
            return with_article(_described(title))
    return f"{with_article(kind)}, {quoted(title)},"


# A speaker's title that says what they did, not who they are: "The branch secretary spoke".
CLAUSE = re.compile(r"\b(spoke|speaks|talked|addressed|came|visited|gave)\b", re.IGNORECASE)


def speaker_phrase(action: SolidarityAction, *, listed: bool = False) -> str:
    """Who spoke, from the title where it says: 'the NEU rep', 'the UNISON branch secretary', 'a
    striking bus driver', 'Dave Ward, CWU general secretary,' (in a list, 'Dave Ward (CWU
    general secretary)'); else from the union: 'an RMT speaker'."""
    title = " ".join(action.title.split()).rstrip(".,")
    first, _, rest = title.partition(" ")
    union = action.union.short_name.lower() if action.union is not None else None
    if title and not CLAUSE.search(title):
        if first.lower() in ("a", "an", "the") and rest:
            return f"{first.lower()} {rest}"
        if rest and rest == rest.lower() and (first.isupper() or first.lower() == union):
            return f"the {title}"  # "UNISON branch secretary", "Unite rep"
        if rest and rest == rest.lower() and first[1:].islower():
            return with_article(f"{first.lower()} {rest}")  # "Striking bus driver"
        name, _, role = title.partition(", ")
        if not role:
            return title
        return f"{name} ({role})" if listed else f"{title},"
    if action.union is not None:
        return with_article(f"{action.union.short_name} speaker")
    return "a union speaker"


def _office(office: str, n: int, *, visits: int) -> str:
    """'the MP at two' of several visits; at a single visit, who was there."""
    if visits == 1:
        if office == Office.MP:
            return "the MP"
        if office == Office.MAYOR:
            return "the mayor"
        if office == Office.COUNCILLOR:
            return "a councillor" if n == 1 else f"{words(n)} councillors"
        return "an elected representative" if n == 1 else plural(n, "elected representative")
    at = "at one of them" if n == 1 else f"at {words(n)}"
    if office == Office.MP:
        return f"the MP {at}"
    if office == Office.MAYOR:
        return f"the mayor {at}"
    if office == Office.COUNCILLOR:
        return f"{'a councillor' if n == 1 else 'councillors'} {at}"
    return f"{'another elected representative' if n == 1 else 'other elected representatives'} {at}"


def _fund(name: str, union: str, total: int) -> str:
    if name == "(no fund named)":
        return (
            f"{pounds(total)} for {union} members" if union else f"{pounds(total)} in other gifts"
        )
    the = "" if name.lower().startswith("the ") else "the "
    return f"{pounds(total)} for {the}{name}" + (
        f" ({union})" if union and union not in name else ""
    )


def picket_sentences(content: MonthContent) -> list[str]:
    """'Three members of the CLP joined the picket line of UNISON mental health social workers
    in Clapton, with the MP there.'; over several visits, 'In October, 23 members of the CLP
    went to nine picket lines, with the MP at two and councillors at three.' and whose lines
    they were; and where the banner went."""
    report = content.report
    if report is None:
        return []
    invited = invitation_sentences(content)
    if not report.visits:
        return invited
    n = report.visits
    people = plural(report.attendances, "member") + " of the CLP"
    if report.attendances >= len(NUMBER_WORDS):
        people = f"in {content.month:%B}, {people}"  # a sentence never starts with figures
    whose = join_some([who(d) for d in content.visited], limit=2)
    if len(content.visited) == 1:
        times = {1: "", 2: " twice"}.get(n, f" {words(n)} times")
        text = f"{people} joined the picket line of {whose}{times}"
    else:
        text = f"{people} made {plural(n, 'visit')} to picket lines"
    order = [Office.MP, Office.MAYOR, Office.COUNCILLOR, Office.OTHER]
    reps = [
        _office(office, report.representatives_by_office[office], visits=n)
        for office in order
        if report.representatives_by_office.get(office)
    ]
    if reps:
        text += f", with {join(reps)}" + (" there" if n == 1 else "")
    out = [sentence(text)]
    if len(content.visited) > 1:
        out.append(sentence(f"We stood on the picket lines of {whose}"))
    if report.banners:
        if n == 1:
            out.append("We took the CLP banner.")
        elif report.banners == n:
            out.append("The CLP banner went to every one of them.")
        else:
            out.append(sentence(f"The CLP banner went to {words(report.banners)} of them"))
    return out + invited


def invitation_sentences(content: MonthContent) -> list[str]:
    """'We invited nine elected representatives to join us on picket lines, and four came:
    Jane Smith MP, Councillor Ali Khan...': public office holders, named."""
    tally = content.report.invitations if content.report else None
    if tally is None or not tally.invited:
        return []
    asked = f"We invited {plural(tally.people_invited, 'elected representative')} to join us on "
    asked += "picket lines"
    if not tally.who_came:
        return [sentence(f"{asked}; none could come this time")]
    names = join_some([rep.styled for rep in tally.who_came], limit=5)
    return [sentence(f"{asked}, and {words(len(tally.who_came))} came: {names}")]


def money_sentences(content: MonthContent) -> list[str]:
    report = content.report
    if report is None or not report.money_pence:
        return []
    # The report counts a fund once per union named with it; a reader counts it once.
    totals: dict[str, list] = {}
    for name, union, total in report.money_by_fund:
        row = totals.setdefault(name if name != "(no fund named)" else name + union, [name, "", 0])
        row[1], row[2] = row[1] or union, row[2] + total
    rows = sorted(totals.values(), key=lambda row: -row[2])
    funds = [_fund(name, union, total) for name, union, total in rows]
    if len(funds) == 1:
        return [sentence(f"We raised {funds[0]}")]
    return [sentence(f"We raised {pounds(report.money_pence)} for strike funds: {join(funds)}")]


def _on(actions: list[SolidarityAction], phrase: Callable[[SolidarityAction], str]) -> list[str]:
    return [f"{phrase(a)} on {day(a.date)}" for a in actions]


def event_sentences(content: MonthContent) -> list[str]:
    """The events held, the speakers heard, the motions passed and the messages sent."""
    out = []
    if content.events:
        out.append(sentence(f"We held {join(_on(content.events, event_phrase))}"))
    if len(content.speakers) == 1:
        speaker = content.speakers[0]
        out.append(
            sentence(f"{speaker_phrase(speaker)} spoke at a CLP meeting on {day(speaker.date)}")
        )
    elif content.speakers:
        speakers = [speaker_phrase(s, listed=True) for s in content.speakers]
        out.append(sentence(f"We heard from {join_some(speakers, limit=3)} at CLP meetings"))
    if content.motions:
        n = len(content.motions)
        titles = [quoted(m.title) for m in content.motions if m.title.strip()]
        if n == 1:
            text = f"the CLP passed a motion, {titles[0]}" if titles else "the CLP passed a motion"
        else:
            listed = f": {join(titles)}" if len(titles) == n else ""
            text = f"the CLP passed {plural(n, 'motion')}{listed}"
        out.append(sentence(text))
    if content.report and content.report.messages:
        messages = plural(content.report.messages, "solidarity message", a=True)
        out.append(sentence(f"We sent {messages}"))
    return out


def solidarity_sentences(content: MonthContent) -> list[str]:
    """Everything the CLP did in the month, in the order the section tells it."""
    return picket_sentences(content) + event_sentences(content) + money_sentences(content)


def coming_event(action: SolidarityAction) -> str:
    """One of the CLP's own events next month."""
    if action.kind == ActionType.SPEAKER:
        return sentence(f"{speaker_phrase(action)} speaks at a CLP meeting on {day(action.date)}")
    return sentence(f"On {day(action.date)} we are holding {event_phrase(action).rstrip(',')}")
