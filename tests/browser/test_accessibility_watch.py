"""The axe-core check every browser test runs can fail: a page with an image without a text
alternative and a box without a label is reported, by page and rule, whether the test leaves it
by a link or ends on it, and a clean page is not."""

import pytest
from django.urls import reverse

from .accessibility import AxeWatch

pytestmark = [pytest.mark.browser]

SITE = "http://pages.test"
PAGES = {
    "/broken/": """<!DOCTYPE html><html lang="en"><title>Broken</title><main><h1>Broken</h1>
      <img src="/photo.png"><input name="email"><a href="/clean/">Next</a></main></html>""",
    "/clean/": """<!DOCTYPE html><html lang="en"><title>Clean</title><main><h1>Clean</h1>
      <label for="e">Email</label><input id="e" name="email"></main></html>""",
}


@pytest.fixture
def served(browser):
    """A context showing the pages above, from a host that exists only in it."""
    context = browser.new_context()
    context.route(
        f"{SITE}/**",
        lambda route, request: route.fulfill(
            content_type="text/html", body=PAGES.get(request.url.removeprefix(SITE), "")
        ),
    )
    yield context
    context.close()


def rules_at(watch: AxeWatch, path: str) -> set[str]:
    return {p.split(": ")[1].split(" ")[0] for p in watch.problems if p.startswith(SITE + path)}


def test_a_page_left_by_a_link_is_reported_and_the_clean_one_is_not(served):
    watch = AxeWatch()
    watch.watch(served)
    page = served.new_page()
    page.goto(SITE + "/broken/")
    page.get_by_role("link", name="Next").click()
    page.get_by_role("heading", name="Clean").wait_for()
    watch.finish(served)

    assert rules_at(watch, "/broken/") == {"image-alt", "label"}
    assert rules_at(watch, "/clean/") == set()
    assert watch.checked == [SITE + "/broken/", SITE + "/clean/"]  # once a page


def test_the_page_a_test_ends_on_is_reported(served):
    watch = AxeWatch()
    watch.watch(served)
    page = served.new_page()
    page.goto(SITE + "/broken/")
    watch.finish(served)

    assert rules_at(watch, "/broken/") == {"image-alt", "label"}


@pytest.mark.django_db(transaction=True)
def test_a_site_page_is_checked_under_its_csp_in_the_state_the_test_left_it(
    browser, live_server, clp
):
    """axe runs in the site's pages despite their strict CSP, and sees what happened after
    the page loaded."""
    context = browser.new_context()
    watch = AxeWatch()
    watch.watch(context)
    page = context.new_page()
    url = live_server.url + reverse("pickets_public:calendar", args=[clp.slug])
    page.goto(url)
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")
    page.goto(live_server.url + reverse("pickets_public:calendar", args=[clp.slug]) + "?again")
    watch.finish(context)
    context.close()

    assert watch.checked == [url, url + "?again"]
    assert [p.split(": ")[1] for p in watch.problems] == ["label (critical)"]
