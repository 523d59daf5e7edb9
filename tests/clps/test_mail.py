import re

from clps.mail import Email

LONG_URL = "https://tuliaison.example.org/subscriptions/" + "x" * 43 + "/unsubscribe/"


def test_long_list_unsubscribe_urls_go_out_as_written():
    message = Email(
        subject="Strikes and ballots: Hackney North & Stoke Newington, week of 23 November",
        body="text",
        to=["sam@example.org"],
        headers={"List-Unsubscribe": f"<{LONG_URL}>, <mailto:unsubscribe@example.org>"},
    )
    raw = message.message().as_bytes().decode()
    assert f"List-Unsubscribe: <{LONG_URL}>, <mailto:unsubscribe@example.org>" in raw
    assert "=?utf-8?" not in raw


def test_only_the_list_headers_go_out_unfolded_bodies_and_subjects_are_folded_as_usual():
    """A long line with accents in the text (a note pasted in) is quoted-printable in lines of
    at most 76, and a long subject with accents is encoded-words of at most 75, as RFC 2045 and
    RFC 2047 ask, while List-Unsubscribe stays one literal line."""
    import email.policy

    from clps.mail import compose

    note = "Solidarité avec les grévistes! " * 60  # one line of 1,860 characters
    message = compose(
        subject="Grève: les piquets de grève de la semaine, à Hackney et à Stoke Newington, lundi",
        text=note,
        html=f"<p>{note}</p>",
        to=["sam@example.org"],
        headers={"List-Unsubscribe": f"<{LONG_URL}>"},
    )
    raw = message.message(policy=email.policy.SMTP).as_bytes()
    lines = raw.split(b"\r\n")
    assert f"List-Unsubscribe: <{LONG_URL}>".encode() in lines
    assert max(len(line) for line in lines if not line.startswith(b"List-Unsubscribe")) <= 78
    assert all(len(word) <= 75 for word in re.findall(rb"=\?utf-8\?[qb]\?[^?]*\?=", raw))
