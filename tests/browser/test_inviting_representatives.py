"""Getting the councillors and the MP to the picket line, on a phone: the TULO invites them from
the picket line's page, edits one draft and sends; a councillor answers from the link parsed out
of the email as the mail server received it; a confirmed visit naming her turns "said yes" into
"came"; the report for the period counts it."""

import datetime
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clps.models import Role
from pickets.models import Answer, PicketInvitation

from ..conftest import enable_totp
from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    MembershipFactory,
    PicketLineFactory,
    RepresentativeFactory,
    UnionFactory,
)
from .conftest import PHONE
from .helpers import menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Homerton Road sorting office"
PLACE = "the yard gate on Homerton Road"
# Set TULIAISON_SCREENSHOTS to a folder to keep a picture of each page as the phone shows it.
SHOTS = os.environ.get("TULIAISON_SCREENSHOTS", "")


def fits_the_phone(page, name: str) -> None:
    page.wait_for_load_state("load")  # measured with its stylesheet applied, on a busy machine too
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_the_tulo_invites_a_councillor_answers_and_comes(
    live_server, phone, browser, settings, smtp_server, eager, clp
):
    settings.SITE_URL = live_server.url
    settings.MFA_TOTP_TOLERANCE = 1
    today = timezone.localdate()
    dispute = DisputeFactory(
        title=TITLE,
        unions=[UnionFactory(name="Communication Workers Union", short_name="CWU")],
        workers="postal workers at the Homerton Road sorting office",
        about="pay",
    )
    day = ActionDayFactory(dispute=dispute, date=today)
    ActionDayFactory(dispute=dispute, date=today + datetime.timedelta(days=7))
    line = PicketLineFactory(
        clp=clp, dispute=dispute, place=PLACE, postcode="E9 6AS", action_days=[day]
    )
    mp = RepresentativeFactory(
        clp=clp, name="Jane Smith", office="mp", area="Hackney North", email="mp@example.org"
    )
    ali = RepresentativeFactory(clp=clp, name="Ali Khan", area="Clissold", email="ali@example.org")
    sade = RepresentativeFactory(
        clp=clp, name="Sade Etti", area="Homerton", email="sade@example.org"
    )
    tulo = MembershipFactory(clp=clp, role=Role.TULO, user__name="Priya Sharma").user
    secret = enable_totp(tulo)

    # (a) The TULO picks who and which day from the picket line's page.
    phone.goto(live_server.url + "/accounts/login/")
    sign_in(phone, tulo.email, totp_secret=secret)
    phone.goto(f"{live_server.url}/c/{clp.slug}/pickets/{line.pk}/")
    phone.get_by_role("link", name="Invite representatives").click()
    expect(phone.get_by_role("heading", name="Invite elected representatives")).to_be_visible()
    for rep in (mp, ali, sade):
        phone.get_by_label(re.compile(rep.name)).check()
    phone.get_by_label(f"{day.date:%A} {day.date.day} {day.date:%B}").check()
    fits_the_phone(phone, "invite")
    phone.get_by_role("button", name="Draft the invitations").click()

    # (b) Three drafts, each its own; she edits Sade's and sends them all.
    expect(phone.get_by_role("heading", name="Invitations to send")).to_be_visible()
    drafts = phone.locator("fieldset.draft")
    expect(drafts).to_have_count(3)
    sade_draft = drafts.filter(has_text="Sade Etti, Councillor for Homerton ward")
    body = sade_draft.get_by_label("Text")
    expect(body).to_have_value(re.compile(r"^Dear Councillor Sade Etti,"))
    expect(body).to_have_value(re.compile("As a councillor for Homerton ward"))
    body.fill(
        body.input_value().replace(
            "Would you join us?", "The sorting office is in your ward: would you join us?"
        )
    )
    fits_the_phone(phone, "drafts")
    phone.get_by_role("button", name="Send 3 invitations").click()
    expect(phone.get_by_text("3 invitations sent.")).to_be_visible()
    expect(phone.get_by_text("Invited, no answer yet")).to_have_count(3)

    # (c) Sade's email, as the mail server received it, has her words and her own link.
    received = {r.to[0]: r for r in smtp_server.received}
    assert set(received) == {"mp@example.org", "ali@example.org", "sade@example.org"}
    hers = received["sade@example.org"]
    assert "The sorting office is in your ward: would you join us?" in hers.text
    assert "The sorting office is in your ward" not in received["ali@example.org"].text
    if SHOTS:
        with open(os.path.join(SHOTS, "invitation.txt"), "w") as kept:
            kept.write(f"Subject: {hers.message['Subject']}\n\n{hers.text}")
    [link] = re.findall(r'href="([^"]*/invited/[^"]+)"', hers.html)
    assert link.startswith(live_server.url)

    # (d) She opens it on her own phone: nothing changes until she presses a button, then one
    # POST says yes. No account.
    her_phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    her_phone.goto(link)
    expect(her_phone.get_by_role("heading", name="Will you join the picket line?")).to_be_visible()
    invitation = PicketInvitation.objects.get(representative=sade)
    assert invitation.answer == ""
    fits_the_phone(her_phone, "answer")
    her_phone.get_by_role(
        "button", name=f"I'll be there on {day.date:%A} {day.date.day} {day.date:%B}"
    ).click()
    expect(her_phone.get_by_text("Thank you: you're down as coming.")).to_be_visible()
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.answer_day) == (Answer.YES, day)
    her_phone.context.close()

    # (e) The TULO sees her answer, records the visit naming her, and she shows as came.
    phone.goto(f"{live_server.url}/c/{clp.slug}/pickets/{line.pk}/")
    expect(phone.get_by_text(f"Said yes: {day.date:%a %-d %b}")).to_be_visible()
    phone.goto(f"{live_server.url}/c/{clp.slug}/visits/new/?picket_line={line.pk}")
    phone.get_by_label("CLP members who went").fill("4")
    phone.get_by_label("Sade Etti, Councillor for Homerton ward").check()
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("Visit recorded.")).to_be_visible()
    phone.goto(f"{live_server.url}/c/{clp.slug}/pickets/{line.pk}/")
    sade_row = phone.locator("ul.invitations li").filter(has_text="Sade Etti")
    expect(sade_row.get_by_text("Came", exact=True)).to_be_visible()
    fits_the_phone(phone, "picket-line")

    # (f) The report for the period counts her.
    menu(phone, "Report")
    phone.get_by_label("Period").select_option(label="Dates below")
    phone.get_by_label("From").fill((today - datetime.timedelta(days=7)).isoformat())
    phone.get_by_label("To:", exact=True).fill(today.isoformat())
    phone.get_by_role("button", name="Show").click()
    expect(phone.locator("p.invited")).to_have_text(
        "Elected representatives invited to picket lines: invited 3, answered 1, came 1: "
        "Councillor Sade Etti."
    )
    figure = phone.locator("dl.totals > div").filter(
        has=phone.get_by_text("Elected representatives' visits", exact=True)
    )
    expect(figure.get_by_role("definition")).to_have_text("1")
    fits_the_phone(phone, "report")

    menu(phone, "Representatives")
    expect(phone.get_by_role("heading", name="Elected representatives")).to_be_visible()
    fits_the_phone(phone, "representatives")
    phone.get_by_role("link", name="Sade Etti").click()
    expect(phone.get_by_text(f"Said yes: {day.date:%a %-d %b}")).to_have_count(0)
    expect(
        phone.locator("section").filter(has_text="Invitations").get_by_text("Came")
    ).to_be_visible()
    fits_the_phone(phone, "representative")
    phone.get_by_role("link", name="← Elected representatives").click()
    phone.get_by_role("link", name="Import a list").click()
    phone.get_by_label("Paste the rows").fill(
        "name,office,area\nCaroline Woodley,mayor,Hackney\nJo Bloggs,councilor,Clissold\n"
    )
    phone.get_by_role("button", name="Preview").click()
    expect(phone.get_by_text("line 3: office 'councilor' is not one of")).to_be_visible()
    fits_the_phone(phone, "import")
    # The email as a phone's mail program shows it: within the width of the screen.
    reader = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    reader.set_content(hers.html)
    fits_the_phone(reader, "invitation-email")
    reader.context.close()
