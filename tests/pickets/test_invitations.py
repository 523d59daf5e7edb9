"""Inviting the MP, the mayor and councillors to a picket line: a draft of their own for each,
the TULO's edit kept, one email each as the mail server receives it, and the answer from the
personal link in it, which a scanner's GET never changes."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clps.models import AuditAction, AuditEvent, OutgoingMail
from pickets import invitations
from pickets.links import ANSWER_LINKS
from pickets.models import Answer, PicketInvitation

from ..factories import (
    PicketInvitationFactory,
    PicketVisitFactory,
    RepresentativeAttendanceFactory,
    RepresentativeFactory,
)
from ..mailbox import assert_well_formed

pytestmark = pytest.mark.django_db

DOMAIN = "tuliaison.example.org"
SITE = f"https://{DOMAIN}"


@pytest.fixture(autouse=True)
def sent_at_commit(eager):
    """The outbox sends each email when the transaction that wrote it commits."""


@pytest.fixture
def line(picket_line):
    dispute = picket_line.dispute
    dispute.workers = "postal workers at Royal Mail's Stoke Newington delivery office"
    dispute.about = "pay"
    dispute.demands = "A pay rise in line with inflation."
    dispute.save()
    return picket_line


@pytest.fixture
def mp(clp):
    return RepresentativeFactory(
        clp=clp,
        name="Jane Smith",
        office="mp",
        area="Hackney North and Stoke Newington",
        email="jane.smith.mp@example.org",
    )


@pytest.fixture
def councillors(clp):
    return [
        RepresentativeFactory(clp=clp, name="Ali Khan", area="Clissold", email="ali@example.org"),
        RepresentativeFactory(
            clp=clp, name="Sem Moema", area="Stoke Newington ward", email="sem@example.org"
        ),
    ]


def answer_path(url: str) -> str:
    assert url.startswith(SITE + "/invited/")
    return url.removeprefix(SITE)


def draft_all(client, tulo, line, reps, days):
    client.force_login(tulo)
    response = client.post(
        reverse("pickets:invite", args=[line.clp.slug, line.pk]),
        {"representatives": [r.pk for r in reps], "days": [d.pk for d in days]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return {i.representative_id: i for i in PicketInvitation.objects.filter(picket_line=line)}


def drafts_post(client, line, drafts, *, send: bool, edits: dict | None = None):
    data = {}
    for invitation in drafts.values():
        data[f"d{invitation.pk}-subject"] = invitation.subject
        data[f"d{invitation.pk}-body"] = (edits or {}).get(invitation.pk, invitation.body)
    data["send" if send else "save"] = "1"
    return client.post(reverse("pickets:invitation_drafts", args=[line.clp.slug, line.pk]), data)


def test_each_draft_starts_from_the_representative_s_own_office_and_ward(
    client, tulo, line, mp, councillors
):
    days = list(line.action_days.order_by("date"))
    drafts = draft_all(client, tulo, line, [mp, *councillors], days[:1])
    mine = drafts[mp.pk].body
    assert mine.startswith("Dear Jane Smith,\n\n")
    assert "As the MP for Hackney North and Stoke Newington," in mine
    ali = drafts[councillors[0].pk].body
    assert ali.startswith("Dear Councillor Ali Khan,")
    assert "As a councillor for Clissold ward," in ali
    # A ward written with its word is not said twice.
    assert "a councillor for Stoke Newington ward," in drafts[councillors[1].pk].body
    for body in (mine, ali):
        union = line.dispute.unions.get().short_name
        assert (
            f"{union} postal workers at Royal Mail's Stoke Newington delivery office are on "
            "strike over pay, and Hackney North & Stoke Newington Labour Party is supporting "
            "them on the picket line." in body
        )
        assert "Where: The yard gate, N16 0AA" in body
        assert f"{days[0].date:%A} {days[0].date.day} {days[0].date:%B}" in body
        assert f"{days[1].date:%A} {days[1].date.day} {days[1].date:%B}" not in body
        assert "What they are asking for: A pay rise in line with inflation." in body
        assert body.endswith(
            "Priya Sharma\nTrade Union Liaison Officer, Hackney North & Stoke Newington CLP"
        )
    assert len({d.body for d in drafts.values()}) == 3
    assert not OutgoingMail.objects.exists()  # drafts: nothing sent


def test_the_tulo_s_edit_is_what_goes_and_each_gets_their_own_email(
    client, smtp_server, django_capture_on_commit_callbacks, tulo, line, mp, councillors
):
    drafts = draft_all(client, tulo, line, [mp, *councillors], list(line.action_days.all()))
    ali = drafts[councillors[0].pk]
    edited = ali.body.replace("Would you join us?", "Ali, you came last year: come again?")
    assert edited != ali.body
    with django_capture_on_commit_callbacks(execute=True):
        response = drafts_post(client, line, drafts, send=True, edits={ali.pk: edited})
    assert response.status_code == 302
    assert response["Location"] == reverse("pickets:picket_line", args=[line.clp.slug, line.pk])

    received = {r.to[0]: r for r in smtp_server.received}
    assert set(received) == {mp.email, *(c.email for c in councillors)}
    ali_mail = received["ali@example.org"]
    assert_well_formed(ali_mail, domain=DOMAIN)
    assert "Ali, you came last year: come again?" in ali_mail.text
    assert "Ali, you came last year: come again?" in ali_mail.html
    assert "Would you join us?" not in ali_mail.text
    assert "Would you join us?" in received[mp.email].text
    assert ali_mail.message["Reply-To"] == tulo.email
    # Each carries a link of its own, naming its own invitation.
    links = {}
    for address, r in received.items():
        (url,) = [u for u in re.findall(r"https?://\S+", r.text) if "/invited/" in u]
        assert f'href="{url}"' in r.html
        links[address] = url
    assert len(set(links.values())) == 3
    token = answer_path(links["ali@example.org"]).split("/")[2]
    assert ANSWER_LINKS.unsign_ids(token, 1) == [ali.pk]
    # Sent once: the drafts page has nothing left, and posting again sends nothing.
    assert PicketInvitation.objects.filter(sent_at__isnull=True).count() == 0
    assert AuditEvent.objects.filter(action=AuditAction.REP_INVITED).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        drafts_post(client, line, drafts, send=True)
    assert len(smtp_server.received) == 3


def test_saving_keeps_the_edit_and_sends_nothing(client, tulo, line, mp):
    drafts = draft_all(client, tulo, line, [mp], list(line.action_days.all()))
    invitation = drafts[mp.pk]
    response = drafts_post(client, line, drafts, send=False, edits={invitation.pk: "My words."})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.body == "My words."
    assert invitation.sent_at is None
    assert not OutgoingMail.objects.exists()
    page = client.get(reverse("pickets:invitation_drafts", args=[line.clp.slug, line.pk]))
    assert "My words." in page.content.decode()
    # Drafting again is never drafting over her edit: the waiting draft is left as it is.
    invite = client.get(reverse("pickets:invite", args=[line.clp.slug, line.pk]))
    assert "1 draft waiting to be sent" in invite.content.decode()
    assert mp not in invite.context["form"].fields["representatives"].queryset
    invitations.drafts_create(
        line=line, representatives=[mp], day_ids=[d.pk for d in line.action_days.all()], by=tulo
    )
    invitation.refresh_from_db()
    assert invitation.body == "My words."


def test_one_text_pasted_to_all_is_refused_and_nothing_goes(client, tulo, line, mp, councillors):
    drafts = draft_all(client, tulo, line, [mp, *councillors], list(line.action_days.all()))
    same = "Dear representative, please come to the picket line."
    response = drafts_post(
        client, line, drafts, send=True, edits={i.pk: same for i in drafts.values()}
    )
    assert response.status_code == 400
    assert "word for word the same as another invitation" in response.content.decode()
    assert not OutgoingMail.objects.exists()
    assert PicketInvitation.objects.filter(sent_at__isnull=False).count() == 0
    # What was typed is kept.
    assert set(PicketInvitation.objects.values_list("body", flat=True)) == {same}


def test_a_representative_with_no_address_stays_a_draft(client, tulo, line, mp):
    mp.email = ""
    mp.save()
    drafts = draft_all(client, tulo, line, [mp], list(line.action_days.all()))
    drafts_post(client, line, drafts, send=True)
    assert PicketInvitation.objects.get().sent_at is None
    assert not OutgoingMail.objects.exists()


@pytest.fixture
def sent(line, mp):
    return PicketInvitationFactory(picket_line=line, representative=mp, created_by=None)


def test_a_scanner_s_get_changes_nothing(client, sent):
    path = reverse("pickets_invited:answer", args=[ANSWER_LINKS.sign(sent.pk)])
    for method in (client.get, client.head):
        response = method(path)
        assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    sent.refresh_from_db()
    assert sent.answer == "" and sent.answered_at is None
    assert not AuditEvent.objects.exists()


def test_one_post_says_i_ll_be_there_on_a_day(client, sent, line):
    later = line.action_days.order_by("date").last()
    path = reverse("pickets_invited:answer", args=[ANSWER_LINKS.sign(sent.pk)])
    page = client.get(path).content.decode()
    assert f"I'll be there on {later.date:%A} {later.date.day} {later.date:%B}" in page
    response = client.post(path, {"answer": "yes", "day": later.pk})
    assert response.status_code == 302
    sent.refresh_from_db()
    assert (sent.answer, sent.answer_day) == (Answer.YES, later)
    event = AuditEvent.objects.get(action=AuditAction.REP_ANSWERED)
    assert (event.object_type, event.object_id, event.actor) == ("picket_invitation", sent.pk, None)
    page = client.get(path).content.decode()
    assert "I'll be there, " in page


def test_can_t_make_it_and_send_me_more(
    client, smtp_server, django_capture_on_commit_callbacks, tulo, sent
):
    sent.created_by = tulo
    sent.save()
    path = reverse("pickets_invited:answer", args=[ANSWER_LINKS.sign(sent.pk)])
    client.post(path, {"answer": "no"})
    sent.refresh_from_db()
    assert sent.answer == Answer.NO and sent.answer_day is None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"answer": "more"})
    (received,) = smtp_server.received
    assert received.to == [tulo.email]
    assert received.message["Reply-To"] == "jane.smith.mp@example.org"
    assert "Jane Smith, MP for Hackney North and Stoke Newington" in received.text


def test_yes_without_a_day_or_an_unknown_answer_is_refused_with_a_message(client, sent):
    path = reverse("pickets_invited:answer", args=[ANSWER_LINKS.sign(sent.pk)])
    response = client.post(path, {"answer": "yes"})
    assert response.status_code == 400
    assert "Choose the day you can come." in response.content.decode()
    assert client.post(path, {"answer": "maybe"}).status_code == 400
    sent.refresh_from_db()
    assert sent.answer == ""


@pytest.mark.parametrize(
    "token",
    [
        "1.AAAAAAAAAAAAAAAAAAAAAA",
        "not-a-token",
        "x" * 300,
    ],
)
def test_a_forged_link_is_refused_clearly(client, sent, token):
    response = client.get(reverse("pickets_invited:answer", args=[token]))
    assert response.status_code == 404
    assert "This link doesn't work" in response.content.decode()
    assert (
        client.post(reverse("pickets_invited:answer", args=[token]), {"answer": "no"}).status_code
        == 404
    )
    sent.refresh_from_db()
    assert sent.answer == ""


def test_another_link_s_token_or_an_altered_one_is_refused(client, sent):
    from pickets.links import CANCEL_LINKS

    for token in (CANCEL_LINKS.sign(sent.pk), ANSWER_LINKS.sign(sent.pk)[:-2] + "xx"):
        response = client.post(reverse("pickets_invited:answer", args=[token]), {"answer": "no"})
        assert response.status_code == 404
    sent.refresh_from_db()
    assert sent.answer == ""


def test_a_link_whose_days_are_over_is_refused_clearly(client, sent, line):
    for n, day in enumerate(line.action_days.all(), start=1):
        day.date = timezone.localdate() - datetime.timedelta(days=n)
        day.save()
    path = reverse("pickets_invited:answer", args=[ANSWER_LINKS.sign(sent.pk)])
    response = client.get(path)
    assert response.status_code == 410
    assert "That picket line is over" in response.content.decode()
    assert client.post(path, {"answer": "no"}).status_code == 410
    sent.refresh_from_db()
    assert sent.answer == ""


def test_a_draft_s_link_does_not_open(client, sent):
    sent.sent_at = None
    sent.save()
    path = reverse("pickets_invited:answer", args=[ANSWER_LINKS.sign(sent.pk)])
    assert client.get(path).status_code == 404


def test_said_yes_turns_to_came_once_a_confirmed_visit_names_them(client, tulo, sent, line):
    day = line.action_days.order_by("date").first()
    invitations.answer_record(invitation=sent, answer=Answer.YES, day=day)
    (row,) = invitations.line_invitations(line=line)
    assert row.status.startswith("Said yes: ")
    # A visit still to confirm, or one naming someone else, is not enough.
    waiting = PicketVisitFactory(
        clp=line.clp, dispute=line.dispute, picket_line=line, date=day.date, status="reported"
    )
    RepresentativeAttendanceFactory(
        visit=waiting, representative=sent.representative, name="Jane Smith", office="mp"
    )
    PicketVisitFactory(
        clp=line.clp,
        dispute=line.dispute,
        picket_line=line,
        date=day.date,
        representatives=[("Someone Else", "mp")],
    )
    (row,) = invitations.line_invitations(line=line)
    assert not row.came
    waiting.status = "confirmed"
    waiting.save()
    (row,) = invitations.line_invitations(line=line)
    assert row.came and row.status == "Came"
    client.force_login(tulo)
    page = client.get(reverse("pickets:picket_line", args=[line.clp.slug, line.pk]))
    assert "Came" in page.content.decode()


def test_another_clp_s_visit_does_not_count(other_clp, sent, line):
    visit = PicketVisitFactory(clp=other_clp, dispute=line.dispute, date=timezone.localdate())
    RepresentativeAttendanceFactory(visit=visit, representative=sent.representative)
    assert invitations.came_ids(clp_id=line.clp_id, invitations=[sent]) == set()


@pytest.mark.parametrize("size", [2, 20])
def test_the_picket_line_and_drafts_pages_queries_do_not_grow(
    client, tulo, line, size, django_assert_num_queries
):
    day = line.action_days.order_by("date").first()
    for i in range(size):
        rep = RepresentativeFactory(clp=line.clp, name=f"Councillor {i:03}")
        answer = ["yes", "no", "more", ""][i % 4]
        PicketInvitationFactory(
            picket_line=line,
            representative=rep,
            answer=answer,
            answer_day=day if answer == "yes" else None,
        )
        drafted = RepresentativeFactory(clp=line.clp, name=f"Drafted {i:03}")
        PicketInvitationFactory(picket_line=line, representative=drafted, sent_at=None)
        if i % 2:
            visit = PicketVisitFactory(clp=line.clp, dispute=line.dispute, picket_line=line)
            RepresentativeAttendanceFactory(visit=visit, representative=rep)
    client.force_login(tulo)
    with django_assert_num_queries(LINE_PAGE_QUERIES):
        page = client.get(reverse("pickets:picket_line", args=[line.clp.slug, line.pk]))
    assert page.content.decode().count('class="badge local">Came<') == size // 2
    with django_assert_num_queries(DRAFTS_PAGE_QUERIES):
        drafts = client.get(reverse("pickets:invitation_drafts", args=[line.clp.slug, line.pk]))
    assert drafts.content.decode().count("<fieldset") == size


# The TULO's picket line page, three of them for the invitations: the line's, the days they
# were for and the visits that name the representatives.
LINE_PAGE_QUERIES = 15
# Signing in and the CLP, the picket line, and its drafts with their representatives.
DRAFTS_PAGE_QUERIES = 6


def test_markup_typed_into_a_draft_is_text_in_the_email(
    client, smtp_server, django_capture_on_commit_callbacks, tulo, line, mp
):
    drafts = draft_all(client, tulo, line, [mp], list(line.action_days.all()))
    typed = 'Come! <script>alert(1)</script> <a href="https://evil.example">x</a>'
    with django_capture_on_commit_callbacks(execute=True):
        drafts_post(client, line, drafts, send=True, edits={drafts[mp.pk].pk: typed})
    (received,) = smtp_server.received
    assert typed in received.text
    assert "<script>" not in received.html
    # The tag typed is text; the address in it becomes a link, as any address typed does.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;a href=" in received.html


def test_the_audit_log_shows_the_invitation_and_the_answer(
    client, django_capture_on_commit_callbacks, tulo, line, mp
):
    drafts = draft_all(client, tulo, line, [mp], list(line.action_days.all()))
    with django_capture_on_commit_callbacks(execute=True):
        drafts_post(client, line, drafts, send=True)
    invitation = drafts[mp.pk]
    client.post(
        reverse("pickets_invited:answer", args=[ANSWER_LINKS.sign(invitation.pk)]),
        {"answer": "no"},
    )
    client.force_login(tulo)
    page = client.get(reverse("privacy:audit_log", args=[line.clp.slug])).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "An elected representative answered an invitation" in text
    assert "the representative, from their link" in text
    assert "Invited an elected representative to a picket line" in text
    assert f"Invitation to a picket line no. {invitation.pk}" in text
    # The log names the record, never the representative's address.
    assert mp.email not in page
