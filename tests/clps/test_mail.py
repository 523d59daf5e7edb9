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
