"""Playwright driving Debian's chromium (Playwright cannot download its own browsers here)."""

import os
import shutil

import pytest

from .accessibility import AxeWatch

# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PHONE = {"width": 390, "height": 844}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(f"No chromium at {path}: install Debian's chromium package (make test does).")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def accessibility():
    """axe-core on every page of the contexts a test opens with `new_context`: the test fails on
    any serious or critical violation, named by page, rule and node."""
    watch = AxeWatch()
    yield watch
    assert not watch.problems, "\n".join(watch.problems)


@pytest.fixture
def new_context(browser, accessibility):
    """Opens a browser context, as `browser.new_context` does, for every browser test: axe-core
    checks each page it shows, and it is closed when the test ends."""
    contexts = []

    def open_context(**options):
        context = browser.new_context(**options)
        accessibility.watch(context)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        accessibility.finish(context)
        context.close()


@pytest.fixture
def phone(new_context):
    """A page in a phone-sized viewport that fails the test on any console error or CSP report,
    or on any page that axe-core finds a serious or critical accessibility violation in."""
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: problems.append(f"unexpected dialog: {d.message}") or d.dismiss())
    yield page
    assert not problems, problems
