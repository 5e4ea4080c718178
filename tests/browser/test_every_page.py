"""Every page of every signed-in role, with the demo data, in Dutch and English, on a laptop
(1366 px) and a phone (390 px): what keeps the staff, admin and researcher pages right.

The walk (``tests/browser/pages.py``) opens each GET page a role may open: one browser, one
context per role and language, one tab reused for every page. Each check is its own test over
the findings of that one walk:

* no horizontal scrolling of the page itself (a wide table scrolls inside its ``.table-wrap``);
* no console error and no Content Security Policy violation (``watch.py``);
* no English interface text on a Dutch page: a msgid of the catalogue that has a Dutch
  translation, appearing verbatim (as whole words) in the visible text, a button's value or an
  accessible name;
* no raw code where a label exists: answer codes (``yes``), modes (``paper``), quality flags and
  the choice values of every survey, shown by themselves where the label belongs;
* axe-core WCAG 2.1 A/AA (``tests/vendor/axe.min.js``), both languages, at 1366 px.

Text in an element marked with another language (``lang="en"`` on a Dutch page, e.g. the
English version of a survey question in the builder) is content, not interface, and is skipped.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from appliance import db
from appliance.reports.labels import ANSWERS, MODES
from appliance.reports.report import NO_ANSWER
from appliance.responses.quality import FLAG_LABELS
from tests.browser.pages import DOWNLOAD_SUFFIXES, LANGUAGES, NOT_PAGES, ROLES, WIDTHS, demo_site
from tests.browser.test_accessibility import TAGS
from tests.browser.test_first_admin import CHROMIUM, CHROMIUM_ARGS, _require_chromium
from tests.browser.watch import watch

REPO = Path(__file__).resolve().parents[2]
AXE = (REPO / "tests" / "vendor" / "axe.min.js").read_text()
PO = REPO / "appliance" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
CHECKS = ("overflow", "console", "untranslated", "raw_codes", "axe")

# The page's own overflow, and what sticks out without a scrolling ancestor to hold it.
OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const held = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const overflow = getComputedStyle(a).overflowX;
      if (["auto", "scroll", "hidden", "clip"].includes(overflow)) return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim()
       ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 1 || box.width === 0 || held(el)) continue;
    const parent = el.parentElement;
    if (parent && parent.getBoundingClientRect().right > width + 1 && !held(parent)) continue;
    out.push(`${name(el)} (${Math.round(box.right)}px)`);
    if (out.length >= 4) break;
  }
  return `scrollWidth ${document.documentElement.scrollWidth} > ${width}: ${out.join(", ")}`;
}"""

# Visible interface text, one piece per text node (white space collapsed): rendered text and
# the options of a visible select, button values and accessible names. Left out: what people
# typed (form fields' contents) and text inside an element marked with another language.
VISIBLE_TEXT = """() => {
  const lang = (document.documentElement.lang || "").slice(0, 2);
  const other = (el) => {
    const marked = el.closest("[lang]");
    return marked && marked !== document.documentElement && !marked.lang.startsWith(lang);
  };
  const shown = (el) => el.getClientRects().length > 0
    || (el.closest("select") && el.closest("select").getClientRects().length > 0);
  const out = [];
  const add = (text) => { text = text.replace(/\\s+/g, " ").trim(); if (text) out.push(text); };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest("script, style, template, textarea")) continue;
    if (shown(el) && !other(el)) add(node.textContent);
  }
  const named = "[aria-label], [title], [placeholder], [alt], input[type=submit], "
    + "input[type=button]";
  for (const el of document.body.querySelectorAll(named)) {
    if (other(el)) continue;
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      if (el.getAttribute(name)) add(el.getAttribute(name));
    }
    if (el.tagName === "INPUT" && ["submit", "button"].includes(el.type)) add(el.value);
  }
  return out;
}"""

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdif]|%[sd]")


def dutch_catalogue() -> dict[str, str]:
    """msgid -> Dutch, for every message whose Dutch differs from its English."""
    with PO.open("rb") as fh:
        catalogue = read_po(fh)
    found = {}
    for m in catalogue:
        # A plural entry holds (singular, plural) on both sides: each form is a message.
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        found.update((i, s) for i, s in zip(ids, strings, strict=False) if i and s and s != i)
    return found


def english_patterns(catalogue: dict[str, str]) -> list[tuple[str, re.Pattern]]:
    """A whole-word pattern per msgid; a placeholder matches a stretch of one piece of text.

    Left out: msgids with too little English besides their placeholders to tell them from
    anything else (``%(first)s to %(last)s``), and words the Dutch catalogue uses itself
    (``Import``, ``Status``): Dutch text may show them."""
    dutch = "\n".join(catalogue.values())
    found = []
    for msgid in catalogue:
        literal = PLACEHOLDER.sub("", msgid)
        if PLACEHOLDER.search(msgid) and len(re.findall(r"[A-Za-z]", literal)) < 10:
            continue
        if not re.search(r"[A-Za-z]{2}", literal):
            continue
        parts = [re.escape(p) for p in PLACEHOLDER.split(msgid.replace("%%", "%"))]
        pattern = re.compile(r"(?<![\w-])" + r".{1,80}?".join(parts) + r"(?![\w-])")
        if pattern.search(dutch):
            continue
        found.append((msgid, pattern))
    return found


def content(data_dir: Path) -> list[str]:
    """What staff (or the demo) wrote, in any language: survey texts and mail template names.
    Not interface text, so never untranslated."""
    conn = db.connect(db.db_path(data_dir))
    texts: list[str] = []

    def strings(value) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                strings(item)
        elif isinstance(value, list):
            for item in value:
                strings(item)

    try:
        for (definition,) in conn.execute("SELECT definition FROM surveys"):
            strings(json.loads(definition))
        texts.extend(row[0] for row in conn.execute("SELECT name FROM mail_templates"))
    finally:
        conn.close()
    return sorted({" ".join(t.split()) for t in texts if len(t) > 3}, key=len, reverse=True)


def raw_codes(data_dir: Path, catalogue: dict[str, str]) -> dict[str, dict[str, str]]:
    """code -> {language: label} for every code the interface has a label for: answer codes,
    modes, quality flags and the choice values of every survey (its items too)."""
    codes: dict[str, dict[str, str]] = {}
    for code, label in {**MODES, **ANSWERS}.items():
        if code != NO_ANSWER:
            msgid = label._args[0]  # a lazy string: its msgid
            codes[code] = {"en": msgid, "nl": catalogue.get(msgid, msgid)}
    for code, msgid in FLAG_LABELS.items():
        codes[code] = {"en": msgid, "nl": catalogue.get(msgid, msgid)}
    conn = db.connect(db.db_path(data_dir))
    try:
        for (definition,) in conn.execute("SELECT definition FROM surveys"):
            for survey_page in json.loads(definition)["pages"]:
                for question in survey_page["questions"]:
                    for choice in question.get("choices", []) + question.get("items", []):
                        codes[choice["value"]] = choice["label"]
    finally:
        conn.close()
    return codes


def untranslated(pieces: list[str], patterns, written: list[str]) -> list[str]:
    """English msgids found in the pieces of text, each reported once with the piece it is in;
    a msgid inside the match of a longer one is not reported apart."""
    texts = []
    for piece in pieces:
        for known in written:
            piece = piece.replace(known, " ")
        texts.append(piece)
    text = "\n".join(texts)
    starts = list(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    spans = [
        (m.start(), m.end(), msgid) for msgid, pattern in patterns for m in pattern.finditer(text)
    ]
    by_piece: dict[int, set[str]] = defaultdict(set)
    for start, end, msgid in spans:
        inside = any(a <= start and end <= b and b - a > end - start for a, b, _m in spans)
        if not inside:
            by_piece[bisect.bisect_right(starts, start) - 1].add(msgid)
    return [f"{sorted(found)} in {pieces[i][:120]!r}" for i, found in sorted(by_piece.items())]


def shown_codes(pieces: list[str], codes: dict[str, dict[str, str]], language: str) -> list[str]:
    """Codes shown by themselves (a cell, a list item, a value after "Mode:") in a language
    whose label differs from the code."""
    found = set()
    for piece in pieces:
        for part in re.split(r"\s*[,;:·|()/\n]\s*", piece):
            labels = codes.get(part.strip())
            if labels is None:
                continue
            label = labels.get(language) or next(iter(labels.values()), "")
            if not re.search(rf"(?<!\w){re.escape(part.strip())}(?!\w)", label):
                found.add(part.strip())
    return sorted(found)


def axe_violations(page) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    assert result["passes"], "axe ran no rule"
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['nodes'][0]['target']}"
        for v in result["violations"]
    ]


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """Open every page once per role x language x width; findings per check."""
    _require_chromium()
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    findings: dict[str, list[str]] = defaultdict(list)
    catalogue = dutch_catalogue()
    patterns = english_patterns(catalogue)
    opened: list[str] = []
    with demo_site(tmp_path_factory.mktemp("every-page")) as site, sync_playwright() as p:
        codes = raw_codes(site.server.data_dir, catalogue)
        written = content(site.server.data_dir)
        base = site.server.base_url
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for language in LANGUAGES:
                site.set_language(language)
                for role in ROLES:
                    context = browser.new_context(locale="nl-NL" if language == "nl" else "en-GB")
                    context.set_default_timeout(15_000)
                    problems = watch(context)
                    context.add_cookies([site.session_cookie(role)])
                    tab = context.new_page()
                    for width_name, (width, height) in WIDTHS.items():
                        tab.set_viewport_size({"width": width, "height": height})
                        for page in site.pages(role):
                            where = f"{role} {language} {width}px {page.url}"
                            seen = len(problems.console_errors), len(problems.csp_violations)
                            opened.append(where)
                            try:
                                response = tab.goto(base + page.url, wait_until="load")
                            except PlaywrightError as exc:  # a download, or no answer at all
                                findings["console"].append(f"{where}: {exc.message}")
                                continue
                            if response is None or response.status >= 400:
                                findings["console"].append(f"{where}: HTTP {response.status}")
                            if tab.url.startswith(f"{base}/login"):
                                pytest.fail(f"{where}: signed out, at {tab.url}")
                            if overflow := tab.evaluate(OVERFLOW):
                                findings["overflow"].append(f"{where}: {overflow}")
                            for text in (
                                problems.console_errors[seen[0] :]
                                + problems.csp_violations[seen[1] :]
                            ):
                                findings["console"].append(f"{where}: {text}")
                            if width_name != "wide":
                                continue
                            pieces = tab.evaluate(VISIBLE_TEXT)
                            if language == "nl":
                                for found in untranslated(pieces, patterns, written):
                                    findings["untranslated"].append(f"{where}: {found}")
                            if found := shown_codes(pieces, codes, language):
                                findings["raw_codes"].append(f"{where}: {found}")
                            for violation in axe_violations(tab):
                                findings["axe"].append(f"{where}: {violation}")
                    context.close()
        finally:
            browser.close()
    return findings, opened, site


def _report(findings: list[str]) -> str:
    return f"{len(findings)} finding(s):\n" + "\n".join(findings)


def test_the_walk_opens_every_page_of_every_role(walk):
    _findings, opened, site = walk
    covered = {page.endpoint for role in ROLES for page in site.pages(role)}
    for rule in site.app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        if rule.rule.startswith("/api/") or rule.rule.endswith(DOWNLOAD_SUFFIXES):
            continue  # the API answers programs with a token; downloads are files
        assert rule.endpoint in covered, f"{rule.endpoint} is opened by no role"
    pages_per_pass = sum(len(site.pages(role)) for role in ROLES)
    assert len(opened) == pages_per_pass * len(LANGUAGES) * len(WIDTHS)


def test_no_page_scrolls_sideways(walk):
    findings = walk[0]["overflow"]
    assert not findings, _report(findings)


def test_no_console_error_or_csp_violation(walk):
    findings = walk[0]["console"]
    assert not findings, _report(findings)


def test_dutch_pages_show_no_english_interface_text(walk):
    findings = walk[0]["untranslated"]
    assert not findings, _report(findings)


def test_no_raw_code_where_a_label_exists(walk):
    findings = walk[0]["raw_codes"]
    assert not findings, _report(findings)


def test_every_page_meets_wcag_aa(walk):
    findings = walk[0]["axe"]
    assert not findings, _report(findings)
