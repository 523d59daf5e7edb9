"""axe-core run on every page a browser test opens, failing the test on any serious or critical
violation. The engine is the copy pinned in the lock (axe-playwright-python ships it), so the
check runs offline; it is put into each document as an init script, which the site's strict CSP
does not govern, and so needs no exception in it.

A page is checked as it is left, not as it loads, so it is checked in the state the test left it
in (a menu open, a form filled in) and never while the test acts on it: the page starts axe in
its `beforeunload` event and reports through a binding, while a route handler holds the
navigation request until the report is in. (The handler cannot run axe itself: Chromium
delivers nothing to a page's DevTools session while a navigation of it is pending, so an
evaluate there never returns.) The last page of each tab is checked when the test ends."""

from __future__ import annotations

import time

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import BrowserContext, Page, Request, Route
from playwright.sync_api import Error as PlaywrightError

FAILING_IMPACTS = ("serious", "critical")
# How long a navigation waits for the page it leaves to be checked: axe takes well under a
# second on these pages, but the machine may be busy.
REPORT_TIMEOUT = 20.0

# Only in the top document of a web page (not about:blank, not an iframe). Each document
# announces itself, so that a navigation waits for the report of the document it leaves, and
# only the violations, with what the report below needs, cross back to Python.
HOOK = """(() => {
  if (window !== window.top || !/^https?:$/.test(location.protocol)) return;
  const id = Math.random().toString(36).slice(2) + Date.now().toString(36);
  let run = null;
  // What a reader sees once it has settled: a popup fading in is not yet the colours it ends
  // in. Animations that never end are not waited for, nor any for more than a second.
  const settled = () => Promise.race([
    Promise.all(document.getAnimations()
      .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
      .map(a => a.finished.catch(() => null))),
    new Promise(resolve => setTimeout(resolve, 1000)),
  ]);
  window.__axeWatchRun = () => run = run || settled()
    .then(() => axe.run(document, {resultTypes: ["violations"]}))
    .then(results => results.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map(n => n.target.join(" ")),
      first: v.nodes[0].failureSummary,
    })));
  window.__axeWatchOpened(id);
  addEventListener("beforeunload", () => {
    window.__axeWatchRun().then(
      violations => window.__axeWatchReport(id, location.href, violations, null),
      error => window.__axeWatchReport(id, location.href, [], String(error)));
  });
})();"""


class AxeWatch:
    """Checks the pages of the contexts it watches; `problems` names each failing rule by page,
    rule id and the nodes axe found; `checked` lists the pages checked, once a document."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked: list[str] = []
        self._showing: dict[Page, str] = {}  # the document each tab shows, by its id
        self._reported: set[str] = set()

    def watch(self, context: BrowserContext) -> None:
        context.expose_binding("__axeWatchOpened", self._opened)
        context.expose_binding("__axeWatchReport", self._report)
        context.add_init_script(script=AXE_SCRIPT + "\n" + HOOK)
        context.route("**/*", self._before_request)

    def finish(self, context: BrowserContext) -> None:
        """Check the page each tab of the context still shows."""
        for page in context.pages:
            document = self._showing.get(page)
            if page.is_closed() or document is None or document in self._reported:
                continue
            try:
                violations = page.evaluate("window.__axeWatchRun()")
            except PlaywrightError as error:
                self._record(document, page.url, [], error.message)
            else:
                self._record(document, page.url, violations, None)

    def _opened(self, source: dict, document: str) -> None:
        self._showing[source["page"]] = document

    def _report(
        self, source: dict, document: str, url: str, violations: list[dict], error: str | None
    ) -> None:
        self._record(document, url, violations, error)

    def _before_request(self, route: Route, request: Request) -> None:
        if request.is_navigation_request() and request.frame.parent_frame is None:
            page = request.frame.page
            document = self._showing.get(page)
            if document is not None and not page.is_closed():
                # The binding calls that report arrive while this waits.
                deadline = time.monotonic() + REPORT_TIMEOUT
                while document not in self._reported and time.monotonic() < deadline:
                    page.wait_for_timeout(20)
                if document not in self._reported:
                    self._record(document, page.url, [], "axe did not finish before it was left")
        route.fallback()

    def _record(self, document: str, url: str, violations: list[dict], error: str | None) -> None:
        if document in self._reported:
            return
        self._reported.add(document)
        if error:
            self.problems.append(f"{url}: axe could not run: {error}")
            return
        self.checked.append(url)
        for violation in violations:
            if violation["impact"] not in FAILING_IMPACTS:
                continue
            problem = (
                f"{url}: {violation['id']} ({violation['impact']}): {violation['help']}; "
                f"nodes: {', '.join(violation['targets'])}; the first: {violation['first']}"
            )
            if problem not in self.problems:
                self.problems.append(problem)
