"""The small pieces of a newspaper's English the section is written in: numbers in words, counts
that agree with their nouns, lists joined with "and", "a" or "an", possessives, union names as
they read mid-sentence, days and spans of days, and sentences that end with a full stop.

No queries and no models: each takes words and gives words, so each is tested alone.
"""

import datetime
import re
from decimal import Decimal

from strikes.templatetags.strikes_tags import pct

NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

# Letters whose names start with a vowel sound: "an MP", "an NHS trust", "an RMT member".
VOWEL_SOUND_LETTERS = set("AEFHILMNORSX")
# Capitals said as a word, not letter by letter: "a UNISON branch", "an ASLEF driver". Any other
# word in capitals is taken to be said as letters.
SAID_AS_WORDS = {
    "ASLEF": "an",
    "BECTU": "a",
    "NIPSA": "a",
    "UCATT": "a",
    "UNISON": "a",
    "UNITE": "a",
    "USDAW": "an",
}
# Words that begin with a vowel but sound "you" or "wun", and with an "h" not sounded.
A_BEFORE_VOWEL = ("uni", "use", "usu", "uti", "ure", "uro", "eu", "ewe", "one", "once", "ubiq")
AN_BEFORE_CONSONANT = ("hour", "honest", "honour", "honor", "heir")
# Plural words that end a name, whose possessive is a bare apostrophe: "Northgate IT Services'".
PLURAL_NAME_ENDINGS = {
    "services",
    "workers",
    "unions",
    "trusts",
    "partners",
    "schools",
    "holdings",
    "systems",
    "solutions",
    "communications",
    "pensions",
    "friends",
    "colleges",
    "buses",
}


def words(n: int) -> str:
    """Small numbers in words, as a newspaper would: 'two', '12', '1,350'."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"


def plural(n: int, one: str, many: str | None = None, *, a: bool = False) -> str:
    """'one member', 'two members', '12 days'; with a=True, one is 'a solidarity message'."""
    if n == 1 and a:
        return with_article(one)
    return f"{words(n)} {one if n == 1 else (many or one + 's')}"


def capitalise(text: str) -> str:
    """The first letter in capitals, the rest as it was: 'the CWU's' -> 'The CWU's'."""
    return text[:1].upper() + text[1:]


def join(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C': the last two joined by "and", with no Oxford comma."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def join_some(
    items: list[str], *, limit: int = 2, other: str = "other", others: str | None = None
) -> str:
    """'A, B and five others': the first `limit` named and the rest counted. One more than the
    limit is named, not counted: 'A, B and C' reads better than 'A, B and one other'."""
    if len(items) <= limit + 1:
        return join(items)
    return join([*items[:limit], plural(len(items) - limit, other, others)])


def _number_article(digits: str) -> str:
    """'an 8%', 'an 11-day', 'an 18,000', 'a 1,350', 'a 100': said aloud, does it start with a
    vowel? Eight, eleven and eighteen do; eleven and eighteen only where they lead a group of
    thousands."""
    digits = digits.replace(",", "")
    if digits.startswith("8"):
        return "an"
    if digits[:2] in ("11", "18") and len(digits) % 3 == 2:
        return "an"
    return "a"


def article(phrase: str) -> str:
    """'a' or 'an' for the phrase that follows, by how its first word is said."""
    text = phrase.strip().lstrip("“\"'(")
    found = re.match(r"[£$€]|[\d,]+|[A-Za-z]+", text)
    if not found:
        return "a"
    word = found.group(0)
    if word in "£$€":
        return "a"  # a pound, a dollar, a euro
    if word[0].isdigit():
        return _number_article(word)
    letters = word[:-1] if len(word) > 2 and word[-1] == "s" and word[:-1].isupper() else word
    if letters.isupper() and (len(letters) > 1 or not text[1:2].isalpha()):
        if letters in SAID_AS_WORDS:
            return SAID_AS_WORDS[letters]
        return "an" if letters[0] in VOWEL_SOUND_LETTERS else "a"
    lower = word.lower()
    if lower.startswith(AN_BEFORE_CONSONANT):
        return "an"
    if lower.startswith(A_BEFORE_VOWEL):
        return "a"
    return "an" if lower[0] in "aeiou" else "a"


def with_article(phrase: str) -> str:
    """'a benefit gig', 'an NHS trust', 'a UNISON speaker', 'an 8% pay rise'."""
    return f"{article(phrase)} {phrase}"


def possessive(name: str) -> str:
    """'Royal Mail's', 'the CWU's', 'James's'; 'Northgate IT Services'' for a plural name."""
    if name.endswith(("'s", "’s", "s'", "s’")):
        return name
    last = name.split()[-1].lower() if name.split() else ""
    if last in PLURAL_NAME_ENDINGS:
        return name + "'"
    return name + "'s"


def union_name(short_name: str) -> str:
    """A union as it is named mid-sentence: 'the CWU' and 'the RMT' (said as letters), but
    'UNISON' and 'Unite' (said as words)."""
    said_as_letters = short_name.isupper() and short_name not in SAID_AS_WORDS
    return f"the {short_name}" if said_as_letters else short_name


def percent(value: Decimal | None) -> str:
    return "an unknown" if value is None else pct(value)


def day(date: datetime.date) -> str:
    return f"{date.day} {date:%B}"


def day_span(first: datetime.date, last: datetime.date) -> str:
    """'5 to 26 November', '28 November to 4 December'."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} to {day(last)}"
    return f"{day(first)} to {day(last)}"


def on_days(dates: list[datetime.date]) -> str:
    """When, for a handful of days or many: 'on 26 November', 'on 8 and 9 December',
    'from 20 to 22 October' (every day between), 'on 12 days between 30 November and 15
    December'. How days group into runs is strikes.runs' to say; here are only counts and ends."""
    dates = sorted(set(dates))
    if not dates:
        return ""
    if len(dates) == 1:
        return f"on {day(dates[0])}"
    first, last = dates[0], dates[-1]
    if len(dates) == 2:
        if (first.year, first.month) == (last.year, last.month):
            return f"on {first.day} and {day(last)}"
        return f"on {day(first)} and {day(last)}"
    if (last - first).days == len(dates) - 1:
        return f"from {day_span(first, last)}"  # every day from the first to the last
    between = day_span(first, last).replace(" to ", " and ")
    return f"on {plural(len(dates), 'day')} between {between}"


def quoted(text: str) -> str:
    return f"“{' '.join(text.split())}”"


def sentence(text: str) -> str:
    """Capitalised, and ending with a full stop unless it ends with its own mark."""
    text = text.strip()
    if not text:
        return text
    text = capitalise(text)
    if text.endswith(("”", '"')) and text[-2:-1] in ".!?":
        return text
    return text if text[-1] in ".!?" else text + "."
