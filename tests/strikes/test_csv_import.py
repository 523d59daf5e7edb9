"""The TULO's CSV import of disputes and action days: preview, all or nothing, large files."""

import datetime
import html
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse
from django.utils import timezone

from strikes import csv_import
from strikes.csv_import import action_days, jobs
from strikes.models import (
    ActionDay,
    CsvImport,
    CsvImportKind,
    CsvImportStatus,
    Dispute,
    Employer,
    Workplace,
)

from ..factories import (
    ActionDayFactory,
    CsvImportFactory,
    DisputeFactory,
    EmployerFactory,
    UnionFactory,
)

pytestmark = pytest.mark.django_db

CAST = ["anonymous", "outsider", "member", "executive", "other_tulo", "tulo"]
HEADER = "dispute,date,kind,start,end,note,cancelled"
DISPUTES_HEADER = (
    "title,employer,unions,status,national,issues,demands,hardship_fund_url,workplace,postcode"
)


@pytest.fixture
def cwu(db):
    return UnionFactory(name="Communication Workers Union", short_name="CWU")


@pytest.fixture
def unison(db):
    return UnionFactory(name="UNISON", short_name="UNISON")


@pytest.fixture
def royal_mail(db):
    return EmployerFactory(name="Royal Mail")


@pytest.fixture
def dispute(cwu, royal_mail):
    return DisputeFactory(title="Delivery office pay", employer=royal_mail, unions=[cwu])


def url(name, clp, *args):
    return reverse(f"strikes_import:{name}", args=[clp.slug, *args])


def ahead(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def days_csv(dispute, count, first=10):
    lines = [HEADER]
    lines += [f"{dispute.title},{ahead(first + n).isoformat()},strike,,,," for n in range(count)]
    return "\n".join(lines) + "\n"


def text_of(response):
    """The page as a reader sees it: no tags, entities decoded, spaces collapsed."""
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(page))


def textarea_of(response):
    """What is in the box to paste into (and fix)."""
    page = response.content.decode()
    return html.unescape(page.split('name="text"', 1)[1].split("</textarea>", 1)[0])


def problems(response):
    """The lines the preview names as needing a fix, in order."""
    page = response.content.decode()
    alert = page.split('role="alert"', 1)[1].split("</div>", 1)[0]
    return [int(n) for n in re.findall(r"<li>line (\d+): ", alert)]


def preview(client, clp, text, kind=CsvImportKind.ACTION_DAYS):
    return client.post(url("start", clp), {"kind": kind, "text": text})


def upload(client, clp, data, kind=CsvImportKind.ACTION_DAYS, name="days.csv"):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(url("start", clp), {"kind": kind, "text": "", "file": file})


def confirm(client, clp, text, kind=CsvImportKind.ACTION_DAYS):
    return client.post(url("apply", clp), {"kind": kind, "text": text})


# Who may use it ----------------------------------------------------------------------------


@pytest.fixture
def job(clp, tulo, dispute):
    return CsvImportFactory(
        clp=clp,
        created_by=tulo,
        text=days_csv(dispute, 3),
        status=CsvImportStatus.READY,
        rows_total=3,
        rows_done=3,
        summary={"create": 3, "disputes": [], "skipped": [], "skipped_count": 0},
    )


# (url name, method, uses the job, what the TULO gets)
PAGES = [
    ("start", "get", False, 200),
    ("start", "post", False, 200),
    ("apply", "post", False, 302),
    ("template", "get", False, 200),
    ("job", "get", True, 200),
    ("job_progress", "get", True, 200),
    ("job_confirm", "post", True, 302),
]


@pytest.mark.parametrize("role", CAST)
@pytest.mark.parametrize(
    ("name", "method", "uses_job", "tulo_gets"), PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES]
)
def test_only_the_clps_tulo_reaches_the_import(
    client, request, clp, job, dispute, role, name, method, uses_job, tulo_gets
):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    args = [job.pk] if uses_job else ["action_days"] if name == "template" else []
    data = {"kind": "action_days", "text": days_csv(dispute, 2)} if method == "post" else None
    response = getattr(client, method)(url(name, clp, *args), data)
    expected = {"tulo": tulo_gets, "anonymous": 302}.get(role, 403)
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))
    if role != "tulo":
        assert not ActionDay.objects.exists()
        assert CsvImport.objects.get().status == CsvImportStatus.READY


def test_a_tulo_cannot_open_another_clps_job_through_their_own_clp(
    client, other_tulo, other_clp, job
):
    client.force_login(other_tulo)
    for name in ("job", "job_progress"):
        assert client.get(url(name, other_clp, job.pk)).status_code == 404
    assert client.post(url("job_confirm", other_clp, job.pk)).status_code == 404
    job.refresh_from_db()
    assert job.status == CsvImportStatus.READY


# The page ----------------------------------------------------------------------------------


def test_the_page_documents_both_formats_with_templates(client, tulo, clp):
    client.force_login(tulo)
    page = client.get(url("start", clp)).content.decode()
    for column in csv_import.COLUMNS[CsvImportKind.DISPUTES] + csv_import.COLUMNS["action_days"]:
        assert f"<code>{column}</code>" in page
    assert url("template", clp, "action_days") in page
    assert url("template", clp, "disputes") in page


@pytest.mark.parametrize("kind", CsvImportKind.values)
def test_the_template_downloads_as_utf8_csv_with_its_header(client, tulo, clp, kind):
    client.force_login(tulo)
    response = client.get(url("template", clp, kind))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff" + ",".join(csv_import.COLUMNS[kind]) + "\n")


def test_the_action_days_template_checks_clean_once_its_dispute_exists(cwu, royal_mail):
    DisputeFactory(title="Royal Mail delivery office pay", employer=royal_mail, unions=[cwu])
    plan = csv_import.check(kind="action_days", text=csv_import.example_csv("action_days"))
    assert plan.ok, plan.errors
    assert plan.summary["create"] == 3


def test_an_unknown_template_is_404(client, tulo, clp):
    client.force_login(tulo)
    assert client.get(url("template", clp, "ballots")).status_code == 404


# A good file -------------------------------------------------------------------------------


def test_a_good_file_previews_then_imports_every_row(client, tulo, clp, dispute):
    client.force_login(tulo)
    text = "\n".join(
        [
            HEADER,
            f"{dispute.title},{ahead(3).isoformat()},strike,07:00,10:00,Yard gate,",
            f"{dispute.pk},{ahead(4):%d/%m/%Y},,,,,",
            f"{dispute.title.upper()},{ahead(5).isoformat()},asos,,,Overtime ban,no",
            f"{dispute.title},{ahead(6).isoformat()},Strike,7:30,9:00,,yes",
        ]
    )
    response = preview(client, clp, text)
    page = text_of(response)
    assert response.status_code == 200
    assert "Ready to import" in page
    assert "4 action days to add" in page
    assert "3 strike days and 1 day of action short of strike" in page
    assert not ActionDay.objects.exists()

    response = confirm(client, clp, text)
    assert response.status_code == 302
    days = list(ActionDay.objects.order_by("date"))
    assert [d.date for d in days] == [ahead(3), ahead(4), ahead(5), ahead(6)]
    assert [d.kind for d in days] == ["strike", "strike", "asos", "strike"]
    assert days[0].start_time == datetime.time(7) and days[0].end_time == datetime.time(10)
    assert days[0].note == "Yard gate"
    assert [d.cancelled for d in days] == [False, False, False, True]
    assert days[0].history.get().history_user == tulo
    page = text_of(client.get(response["Location"]))
    assert "Imported 4 action days." in page


def test_an_uploaded_file_is_put_in_the_box_to_fix(client, tulo, clp, dispute):
    client.force_login(tulo)
    text = days_csv(dispute, 2) + f"{dispute.title},soon,,,,,\n"
    response = upload(client, clp, text.encode())
    assert problems(response) == [4]
    assert f"{dispute.title},soon" in textarea_of(response)


def test_spreadsheet_cells_pasted_with_tabs_are_read(client, tulo, clp, dispute):
    client.force_login(tulo)
    text = HEADER.replace(",", "\t") + f"\n{dispute.title}\t{ahead(3).isoformat()}\tstrike\n"
    assert "Ready to import" in text_of(preview(client, clp, text))
    confirm(client, clp, text)
    assert ActionDay.objects.get().date == ahead(3)


def test_columns_may_come_in_any_order_and_optional_ones_left_out(dispute):
    text = f"date,dispute\n{ahead(2).isoformat()},{dispute.title}\n"
    plan = csv_import.import_apply(kind="action_days", text=text, user=None)
    assert plan.summary["create"] == 1
    assert ActionDay.objects.get().kind == "strike"


# Bad rows ----------------------------------------------------------------------------------


def test_forty_strike_days_with_two_bad_dates_name_lines_17_and_31(client, tulo, clp, dispute):
    client.force_login(tulo)
    lines = days_csv(dispute, 40).splitlines()
    lines[16] = f"{dispute.title},31/02/2026,strike,,,,"
    lines[30] = f"{dispute.title},2026-04-31,strike,,,,"
    text = "\n".join(lines) + "\n"

    response = preview(client, clp, text)

    assert problems(response) == [17, 31]
    page = text_of(response)
    assert "line 17: date '31/02/2026' is not a real date" in page
    assert "line 31: date '2026-04-31' is not a real date" in page
    assert "2 problems to fix" in page
    assert "38 action days to add" in page
    assert "Nothing has been saved" in page
    # What was pasted is still in the box, and there is no button to import.
    assert lines[16] in textarea_of(response)
    assert url("apply", clp) not in response.content.decode()
    assert not ActionDay.objects.exists()


def test_line_numbers_count_blank_lines_windows_line_ends_and_quoted_newlines(dispute):
    rows = [
        HEADER,
        f"{dispute.title},{ahead(1).isoformat()},,,,,",
        "",
        f'{dispute.title},{ahead(2).isoformat()},,,,"two\r\nlines",',
        f"{dispute.title},31/02/2026,,,,,",
    ]
    plan = csv_import.check(kind="action_days", text="\r\n".join(rows))
    assert [str(p) for p in plan.errors] == ["line 6: date '31/02/2026' is not a real date"]


def test_confirming_a_file_with_bad_rows_saves_nothing(client, tulo, clp, dispute):
    client.force_login(tulo)
    text = days_csv(dispute, 5) + f"{dispute.title},31/02/2026,,,,,\n"
    response = confirm(client, clp, text)
    assert response.status_code == 200
    assert problems(response) == [7]
    assert not ActionDay.objects.exists()


def test_end_time_before_start_is_named(client, tulo, clp, dispute):
    client.force_login(tulo)
    text = f"{HEADER}\n{dispute.title},{ahead(3).isoformat()},strike,09:00,07:00,,\n"
    response = preview(client, clp, text)
    assert problems(response) == [2]
    assert "line 2: end 07:00 is not after start 09:00" in text_of(response)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("next tuesday", "date 'next tuesday' is not a date: write it as 2026-03-14 or 14/03/2026"),
        ("", "the date is missing"),
    ],
)
def test_a_date_that_is_not_a_date_is_named(dispute, value, message):
    plan = csv_import.check(kind="action_days", text=f"{HEADER}\n{dispute.title},{value},,,,,\n")
    assert [str(p) for p in plan.errors][0].startswith(f"line 2: {message}")


def test_dates_far_in_the_past_or_future_are_out_of_range(client, tulo, clp, dispute):
    client.force_login(tulo)
    long_ago = timezone.localdate().replace(year=timezone.localdate().year - 6, day=1)
    far_ahead = timezone.localdate().replace(year=timezone.localdate().year + 3, day=1)
    text = "\n".join(
        [
            HEADER,
            f"{dispute.title},{long_ago.isoformat()},,,,,",
            f"{dispute.title},{far_ahead:%d/%m/%Y},,,,,",
            f"{dispute.title},{ahead(1).isoformat()},,,,,",
        ]
    )
    response = preview(client, clp, text)
    page = text_of(response)
    assert problems(response) == [2, 3]
    assert f"line 2: date '{long_ago.isoformat()}' is more than 5 years ago" in page
    assert f"line 3: date '{far_ahead:%d/%m/%Y}' is more than 2 years ahead" in page


def test_other_bad_values_are_each_named(dispute, royal_mail):
    DisputeFactory(title="Twin", employer=royal_mail)
    twin = DisputeFactory(title="Twin", employer=royal_mail)
    text = "\n".join(
        [
            HEADER,
            f"No such dispute,{ahead(1).isoformat()},,,,,",
            f"{dispute.title},{ahead(2).isoformat()},walkout,,,,",
            f"{dispute.title},{ahead(3).isoformat()},,25:00,7am,,",
            f"{dispute.title},{ahead(4).isoformat()},,,,,maybe",
            f"{dispute.title},{ahead(5).isoformat()},,,,{'x' * 301},",
            f"Twin,{ahead(6).isoformat()},,,,,",
            f"{twin.pk},{ahead(6).isoformat()},,,,,",
            f"{dispute.title},{ahead(7).isoformat()},,,,,,surplus",
        ]
    )
    plan = csv_import.check(kind="action_days", text=text)
    found = [str(p) for p in plan.errors]
    assert found == [
        "line 2: no dispute is called 'No such dispute': check it against the dispute's page, "
        "or give the dispute's id",
        "line 3: kind 'walkout' should be strike or asos (action short of strike)",
        "line 4: start '25:00' is not a real time",
        "line 4: end '7am' is not a time: write it as 07:00",
        "line 5: cancelled 'maybe' should be yes or no, or left blank",
        "line 6: the note is 301 characters long: the most is 300",
        f"line 7: 2 disputes are called 'Twin': give the id of the one you mean "
        f"({twin.pk - 1}, {twin.pk})",
        "line 9: there are more values than the header has columns: put double quotes round a "
        "value that has a comma in it",
    ]
    assert plan.summary["create"] == 1  # line 8, by the dispute's id


def test_a_wrong_header_names_the_missing_columns(client, tulo, clp, dispute):
    client.force_login(tulo)
    response = preview(client, clp, f"name,day,kind\n{dispute.title},{ahead(1).isoformat()},\n")
    page = text_of(response)
    assert problems(response) == [1, 1]
    assert "line 1: the header has no 'dispute' and 'date' columns" in page
    assert "line 1: unknown columns 'name' and 'day'" in page
    assert not ActionDay.objects.exists()


def test_a_disputes_file_chosen_as_action_days_says_so(cwu):
    plan = csv_import.check(kind="action_days", text=f"{DISPUTES_HEADER}\nPay,Royal Mail,CWU\n")
    assert "this looks like a file of disputes: choose “Disputes”" in str(plan.errors[-1])


def test_an_empty_file_is_refused(client, tulo, clp):
    client.force_login(tulo)
    page = text_of(upload(client, clp, b""))
    assert "There is nothing to import: the file is empty." in page
    page = text_of(preview(client, clp, "  \n\n"))
    assert "Paste the rows here, or choose a file to upload." in page


def test_a_header_with_no_rows_says_so(client, tulo, clp):
    client.force_login(tulo)
    response = preview(client, clp, HEADER + "\n\n")
    assert "line 1: there are no rows under the header" in text_of(response)


def test_an_over_size_upload_is_refused(client, tulo, clp, dispute):
    client.force_login(tulo)
    data = days_csv(dispute, 1).encode() + b" " * csv_import.MAX_BYTES
    response = upload(client, clp, data)
    assert response.status_code == 200
    assert "This file is 2.0 MB: the most is 2.0 MB." in text_of(response)
    assert not ActionDay.objects.exists()
    assert not CsvImport.objects.exists()


def test_too_many_rows_are_refused(client, tulo, clp, dispute):
    client.force_login(tulo)
    text = HEADER + "\n" + f"{dispute.title},{ahead(1)},,,,,\n" * (csv_import.MAX_ROWS + 1)
    page = text_of(preview(client, clp, text))
    assert "There are 5,001 rows: the most in one import is 5,000." in page
    assert not CsvImport.objects.exists()


def test_a_byte_order_mark_is_handled(client, tulo, clp, dispute):
    client.force_login(tulo)
    data = "\ufeff".encode() + days_csv(dispute, 2).encode()
    response = upload(client, clp, data)
    assert "Ready to import" in text_of(response)
    assert "\ufeff" not in response.content.decode()
    confirm(client, clp, days_csv(dispute, 2))
    assert ActionDay.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("dispute,date\nGrève,2026-01-01\n".encode("cp1252"), "This file is not UTF-8 text"),
        ("dispute,date\n".encode("utf-16"), "This file is UTF-16 text, not UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "looks like a spreadsheet file"),
    ],
    ids=["windows-1252", "utf-16", "binary"],
)
def test_other_encodings_are_refused_with_what_to_do(client, tulo, clp, data, message):
    client.force_login(tulo)
    page = text_of(upload(client, clp, data))
    assert message in page
    assert "CSV UTF-8" in page


# Duplicates --------------------------------------------------------------------------------


def test_action_days_already_recorded_are_skipped_not_errors(client, tulo, clp, dispute):
    ActionDayFactory(dispute=dispute, date=ahead(11), kind="strike")
    client.force_login(tulo)
    lines = days_csv(dispute, 3).splitlines()
    lines.append(lines[1])  # the same row twice in the file
    text = "\n".join(lines) + "\n"

    page = text_of(preview(client, clp, text))
    assert "Ready to import" in page
    assert "2 action days to add" in page
    assert "2 rows are already recorded and will be skipped" in page
    assert "line 3: Delivery office pay: the strike day on" in page
    assert "line 5: the same as line 2, so this row is skipped" in page

    response = confirm(client, clp, text)
    assert ActionDay.objects.count() == 3
    page = text_of(client.get(response["Location"]))
    assert "Imported 2 action days. 2 were already recorded and skipped (lines 3, 5)." in page


def test_the_same_day_twice_with_different_details_is_an_error(dispute):
    text = days_csv(dispute, 1) + f"{dispute.title},{ahead(10).isoformat()},strike,07:00,,,\n"
    plan = csv_import.check(kind="action_days", text=text)
    assert [p.line for p in plan.errors] == [3]
    assert "line 2 already has a strike day for this dispute" in plan.errors[0].message


def test_a_file_that_is_all_duplicates_has_nothing_to_import(client, tulo, clp, dispute):
    ActionDayFactory(dispute=dispute, date=ahead(10), kind="strike")
    client.force_login(tulo)
    response = preview(client, clp, days_csv(dispute, 1))
    assert "Nothing new to import" in text_of(response)
    assert url("apply", clp) not in response.content.decode()


# All or nothing ----------------------------------------------------------------------------


def test_a_failure_mid_import_leaves_nothing(monkeypatch, dispute, tulo):
    monkeypatch.setattr(action_days, "WRITE_CHUNK", 2)
    real = action_days.create_chunk
    calls = []

    def fail_on_the_third_chunk(chunk, user):
        calls.append(len(chunk))
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        real(chunk, user)

    monkeypatch.setattr(action_days, "create_chunk", fail_on_the_third_chunk)
    with pytest.raises(RuntimeError):
        csv_import.import_apply(kind="action_days", text=days_csv(dispute, 6), user=tulo)
    assert calls == [2, 2, 2]
    assert not ActionDay.objects.exists()
    assert not ActionDay.history.exists()


def test_a_disputes_failure_mid_import_leaves_no_employer_or_dispute(monkeypatch, cwu, tulo):
    text = "\n".join(
        [DISPUTES_HEADER, "Pay,New Employer,CWU", "Jobs,Another Employer,CWU,,,,,,Depot,E5 0AA"]
    )

    def broken(workplace, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Workplace, "save", broken)
    with pytest.raises(RuntimeError):
        csv_import.import_apply(kind="disputes", text=text, user=tulo)
    assert not Dispute.objects.exists()
    assert not Employer.objects.exists()


def test_applying_checks_the_file_again(client, tulo, clp, dispute):
    client.force_login(tulo)
    text = days_csv(dispute, 3)
    assert "Ready to import" in text_of(preview(client, clp, text))
    dispute.delete()
    response = confirm(client, clp, text)
    assert problems(response) == [2, 3, 4]
    assert "no dispute is called 'Delivery office pay'" in text_of(response)
    assert not ActionDay.objects.exists()


# Disputes ----------------------------------------------------------------------------------


def test_disputes_are_imported_with_new_employers_and_workplaces(
    client, tulo, clp, cwu, unison, dispute
):
    UnionFactory(name="GMB", short_name="GMB")
    client.force_login(tulo)
    text = "\n".join(
        [
            DISPUTES_HEADER,
            "Hospital cleaners,Homerton Healthcare,unison;GMB,Taking action,no,"
            'pay;Outsourcing,"Bring them in-house, on NHS terms",https://example.org/fund,'
            "Homerton Hospital,e9 6sr",
            "National pay,Royal Mail,CWU,mandate_won,yes,pay,,,,",
            f"{dispute.title},royal mail,CWU,,,,,,,",
        ]
    )
    page = text_of(preview(client, clp, text, kind="disputes"))
    assert "2 disputes to add, with 1 new employer: Homerton Healthcare." in page
    assert "1 row is already recorded and will be skipped" in page

    confirm(client, clp, text, kind="disputes")

    cleaners = Dispute.objects.get(title="Hospital cleaners")
    assert cleaners.employer.name == "Homerton Healthcare"
    assert {u.short_name for u in cleaners.unions.all()} == {"UNISON", "GMB"}
    assert cleaners.status == "taking_action"
    assert cleaners.issues == ["pay", "outsourcing"]
    assert cleaners.demands == "Bring them in-house, on NHS terms"
    assert cleaners.hardship_fund_url == "https://example.org/fund"
    workplace = cleaners.workplaces.get()
    assert (workplace.name, workplace.postcode, workplace.postcode_district) == (
        "Homerton Hospital",
        "E9 6SR",
        "E9",
    )
    assert cleaners.history.first().history_user == tulo
    national = Dispute.objects.get(title="National pay")
    assert national.employer == dispute.employer
    assert national.is_national
    assert Dispute.objects.filter(title=dispute.title).count() == 1


def test_who_is_in_dispute_and_what_over_are_imported_for_the_newsletter(client, tulo, clp, cwu):
    client.force_login(tulo)
    text = "\n".join(
        [
            DISPUTES_HEADER + ",workers,about",
            "Delivery office,Royal Mail,CWU,,,,,,,,"
            "postal workers at Royal Mail's Stoke Newington delivery office,jobs and conditions",
            "Sorting office,Royal Mail,CWU,,,,,,,," + "x" * 201 + ",",
        ]
    )
    response = preview(client, clp, text, kind="disputes")
    assert problems(response) == [3]
    assert "line 3: who is in dispute is 201 characters long: the most is 200" in text_of(response)

    confirm(client, clp, text.rsplit("\n", 1)[0], kind="disputes")
    found = Dispute.objects.get(title="Delivery office")
    assert found.workers == "postal workers at Royal Mail's Stoke Newington delivery office"
    assert found.about == "jobs and conditions"


def test_an_unknown_union_is_named(client, tulo, clp, cwu, unison):
    client.force_login(tulo)
    text = f"{DISPUTES_HEADER}\nCleaners,Homerton Healthcare,CWU;UNSION\n"
    response = preview(client, clp, text, kind="disputes")
    assert problems(response) == [2]
    assert "line 2: unknown union 'UNSION' (did you mean UNISON?)" in text_of(response)
    confirm(client, clp, text, kind="disputes")
    assert not Dispute.objects.exists()
    assert not Employer.objects.exists()


def test_bad_dispute_values_are_each_named(cwu):
    text = "\n".join(
        [
            DISPUTES_HEADER,
            ",,,,,,Demands but nothing else,,,",
            "Pay,Acme,CWU,striking,perhaps,wages,,ftp://example.org,,N16 7AA",
            "Pay,Acme,CWU,,,,,,Depot,not a postcode",
            "Pay,ACME,CWU,,,,,,,",
            "Pay,ACME,CWU,,,,,,,",
        ]
    )
    plan = csv_import.check(kind="disputes", text=text)
    assert [str(p) for p in plan.errors] == [
        "line 2: the title is missing",
        "line 2: the employer is missing",
        "line 2: no union is given: name each by its short name, such as CWU;Unite",
        "line 3: status 'striking' is not one of balloting, mandate_won, taking_action, "
        "suspended, won, settled, lost, called_off",
        "line 3: national 'perhaps' should be yes or no, or left blank",
        "line 3: unknown issue 'wages': use any of pay, pensions, jobs, conditions, "
        "outsourcing, recognition, victimisation, safety, separated by ;",
        "line 3: hardship_fund_url 'ftp://example.org' is not a web link: it should start "
        "https:// (200 characters at most)",
        "line 3: a postcode is given but no workplace: name the workplace too",
        "line 4: postcode 'not a postcode' is not a UK postcode, like N16 7AA",
        "line 6: line 5 already has this dispute (the same title and employer): keep one of "
        "the two rows",
    ]


# Hostile content ---------------------------------------------------------------------------


def test_script_tags_and_formulas_are_stored_as_text_and_shown_escaped(client, tulo, clp, cwu):
    client.force_login(tulo)
    title = "<script>alert(1)</script> pay"
    demands = "=cmd|' /C calc'!A0"
    text = f'{DISPUTES_HEADER}\n"{title}",=HYPERLINK("x"),CWU,,,,"{demands}",,,\n'
    response = preview(client, clp, text, kind="disputes")
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; pay" in page

    confirm(client, clp, text, kind="disputes")
    dispute = Dispute.objects.get()
    assert dispute.title == title
    assert dispute.demands == demands
    assert dispute.employer.name == '=HYPERLINK("x")'


# Large files -------------------------------------------------------------------------------


def test_a_large_file_becomes_a_job_checked_in_the_background(
    client, tulo, clp, dispute, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(csv_import, "BACKGROUND_ROWS", 3)
    client.force_login(tulo)
    with django_capture_on_commit_callbacks() as queued:
        response = upload(client, clp, days_csv(dispute, 5).encode(), name="royal-mail.csv")
    job = CsvImport.objects.get()
    assert response["Location"] == url("job", clp, job.pk)
    assert len(queued) == 1
    assert (job.clp, job.created_by, job.status, job.rows_total) == (clp, tulo, "checking", 5)
    assert job.filename == "royal-mail.csv"
    assert not ActionDay.objects.exists()

    running = client.get(url("job_progress", clp, job.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in running
    assert '<progress id="job-progress" max="5" value="0"' in running

    csv_import.import_job_check(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.rows_done) == ("ready", 5)
    ready = client.get(url("job_progress", clp, job.pk))
    assert 'data-status="ready"' in ready.content.decode()
    assert "hx-trigger" not in ready.content.decode()
    assert "5 action days to add" in text_of(ready)

    with django_capture_on_commit_callbacks() as queued:
        client.post(url("job_confirm", clp, job.pk))
        client.post(url("job_confirm", clp, job.pk))  # a second click does nothing
    assert len(queued) == 1
    csv_import.import_job_apply(job_id=job.pk)
    csv_import.import_job_apply(job_id=job.pk)  # nor does the task running twice
    job.refresh_from_db()
    assert job.status == "done"
    assert ActionDay.objects.count() == 5
    assert "Imported" in text_of(client.get(url("job", clp, job.pk)))


def test_a_large_file_with_bad_rows_lists_them_on_the_job_page(client, tulo, clp, dispute):
    lines = days_csv(dispute, 600).splitlines()
    lines[16] = f"{dispute.title},31/02/2026,strike,,,,"
    client.force_login(tulo)
    response = preview(client, clp, "\n".join(lines))
    job = CsvImport.objects.get()
    csv_import.import_job_check(job_id=job.pk)
    response = client.get(url("job", clp, job.pk))
    assert problems(response) == [17]
    assert "599 action days to add" in text_of(response)
    # The text is in the box to fix; confirming is refused.
    assert "31/02/2026" in textarea_of(response)
    client.post(url("job_confirm", clp, job.pk))
    job.refresh_from_db()
    assert job.status == "invalid"
    assert not ActionDay.objects.exists()


def applying_job(clp, tulo, dispute) -> CsvImport:
    """Six action days the TULO has confirmed, for the worker to import."""
    return CsvImportFactory(
        clp=clp,
        created_by=tulo,
        text=days_csv(dispute, 6),
        status=CsvImportStatus.APPLYING,
        rows_total=6,
    )


def test_a_job_that_fails_mid_import_leaves_nothing_and_says_so(monkeypatch, clp, tulo, dispute):
    job = applying_job(clp, tulo, dispute)
    monkeypatch.setattr(action_days, "WRITE_CHUNK", 2)
    monkeypatch.setattr(
        action_days, "bulk_create_with_history", lambda *a, **k: (_ for _ in ()).throw(OSError)
    )
    csv_import.import_job_apply(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == CsvImportStatus.FAILED
    assert "nothing was imported" in job.errors[0]["message"]
    assert not ActionDay.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_progress_shows_while_the_import_transaction_is_still_open(monkeypatch, clp, tulo):
    dispute = DisputeFactory(
        title="Pay",
        employer__name="RM",
        unions=[UnionFactory(name="Communication Workers Union", short_name="CWU")],
    )
    job = applying_job(clp, tulo, dispute)
    monkeypatch.setattr(action_days, "WRITE_CHUNK", 2)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_SECONDS", 0)
    onlooker = connections.create_connection(DEFAULT_DB_ALIAS)
    seen = []
    real = action_days.create_chunk

    def look(chunk, user):
        real(chunk, user)
        with onlooker.cursor() as cursor:
            cursor.execute(
                "SELECT rows_done, (SELECT count(*) FROM strikes_actionday) "
                "FROM strikes_csvimport WHERE id = %s",
                [job.pk],
            )
            seen.append(cursor.fetchone())

    monkeypatch.setattr(action_days, "create_chunk", look)
    try:
        csv_import.import_job_apply(job_id=job.pk)
    finally:
        onlooker.close()
    # Each chunk's progress is visible at once; the rows themselves only when all are in.
    assert seen == [(0, 0), (2, 0), (4, 0)]
    job.refresh_from_db()
    assert (job.status, job.rows_done) == (CsvImportStatus.DONE, 6)
    assert ActionDay.objects.count() == 6


def wait_for(job, *statuses, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        time.sleep(0.2)
    pytest.fail(f"The import stayed {job.status}.")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_file_runs_on_a_real_worker_and_reports_progress(
    celery_worker_process, client, clp, tulo, dispute
):
    client.force_login(tulo)
    rows = csv_import.BACKGROUND_ROWS + 100
    lines = [HEADER]
    for n in range(rows):
        kind = "strike" if n % 2 else "asos"
        lines.append(f"{dispute.title},{ahead(1 + n // 2).isoformat()},{kind},,,,")
    text = "\n".join(lines) + "\n"

    response = upload(client, clp, text.encode())
    job = CsvImport.objects.get()
    assert response["Location"] == url("job", clp, job.pk)
    wait_for(job, CsvImportStatus.READY, CsvImportStatus.INVALID)
    assert job.status == CsvImportStatus.READY, job.errors
    page = client.get(url("job_progress", clp, job.pk))
    assert 'data-status="ready"' in page.content.decode()
    assert "600 action days to add" in text_of(page)
    assert not ActionDay.objects.exists()

    client.post(url("job_confirm", clp, job.pk))
    wait_for(job, CsvImportStatus.DONE, CsvImportStatus.INVALID, CsvImportStatus.FAILED)
    assert job.status == CsvImportStatus.DONE, job.errors
    assert (job.rows_done, job.rows_total) == (rows, rows)
    assert ActionDay.objects.count() == rows
    assert Workplace.objects.count() == 0
    done = client.get(url("job_progress", clp, job.pk))
    assert 'data-status="done"' in done.content.decode()
    assert "hx-trigger" not in done.content.decode()
    assert "600 action days added" in text_of(done)
    assert celery_worker_process.poll() is None
