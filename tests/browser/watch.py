"""Collect what a page must never produce: console errors and CSP violations."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, ConsoleMessage

# Reports every CSP violation of any page to the test (runs before the page's own scripts).
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) =>
  window.cspViolation(`${e.violatedDirective} ${e.blockedURI} on ${document.location.href}`));"""


@dataclass
class Problems:
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def assert_none(self) -> None:
        assert not self.csp_violations, self.csp_violations
        assert not self.console_errors, self.console_errors


def watch(context: BrowserContext) -> Problems:
    """Start collecting on every page of ``context``."""
    problems = Problems()

    def record(message: ConsoleMessage) -> None:
        # The appliance has no favicon: skip the 404 of chromium's own /favicon.ico request.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            where = message.page.url if message.page else "?"
            problems.console_errors.append(f"{where}: {message.text}")

    context.on("console", record)
    context.expose_function("cspViolation", lambda text: problems.csp_violations.append(text))
    context.add_init_script(CSP_LISTENER)
    return problems
