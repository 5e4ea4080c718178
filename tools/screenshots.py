"""Screenshots of every page of every signed-in role, in Dutch and English, at 1366 and 390 px.

    .venv/bin/python tools/screenshots.py OUT_DIR

Serves the demo data (``appliance demo`` plus an admin, staff and researcher account) on a free
port, walks the same pages as ``tests/browser/test_every_page.py`` (``tests/browser/pages.py``)
and writes ``OUT_DIR/<language>/<width>/<role>-<page>.png`` (full-page pictures). Needs Debian's
``/usr/bin/chromium`` and the test dependencies (``./test`` installs them).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the PNG files to")
    args = parser.parse_args(argv)

    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from tests.browser.pages import LANGUAGES, ROLES, WIDTHS, demo_site
    from tests.browser.test_first_admin import CHROMIUM_ARGS

    written = 0
    with tempfile.TemporaryDirectory() as tmp, demo_site(Path(tmp)) as site:
        base = site.server.base_url
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for language in LANGUAGES:
                    site.set_language(language)
                    for role in ROLES:
                        context = browser.new_context(
                            locale="nl-NL" if language == "nl" else "en-GB"
                        )
                        context.add_cookies([site.session_cookie(role)])
                        tab = context.new_page()
                        for width, height in WIDTHS.values():
                            tab.set_viewport_size({"width": width, "height": height})
                            folder = args.out / language / f"{width}"
                            folder.mkdir(parents=True, exist_ok=True)
                            for page in site.pages(role):
                                try:
                                    tab.goto(base + page.url, wait_until="load")
                                except PlaywrightError as exc:
                                    print(
                                        f"skipped {role} {page.url}: {exc.message}", file=sys.stderr
                                    )
                                    continue
                                target = folder / f"{role}-{page.slug}.png"
                                tab.screenshot(path=str(target), full_page=True)
                                written += 1
                        context.close()
            finally:
                browser.close()
    print(
        f"{written} screenshots in {args.out} ({len(ROLES)} roles, {len(LANGUAGES)} languages, "
        f"widths {', '.join(str(w) for w, _h in WIDTHS.values())})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
