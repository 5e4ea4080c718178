"""Keep the translation catalogues in step with the code; each language's messages.po is the source.

    .venv/bin/python tools/translations.py update   # extract, merge into every .po, compile .mo
    .venv/bin/python tools/translations.py check    # change nothing; exit 1 and list the problems

``update`` runs ``pybabel extract`` (babel.cfg) into appliance/translations/messages.pot,
``pybabel update`` to merge that into appliance/translations/<lang>/LC_MESSAGES/messages.po, and
``pybabel compile`` to write messages.mo next to it. New messages arrive with an empty msgstr, or
marked fuzzy when Babel guesses from a similar old one: translate them in the .po (by hand, Poedit
or Weblate), remove the fuzzy flag, and run ``update`` again.

``check`` is what tests/test_i18n.py runs. It reports a message in the code or templates that no .po
has, an entry the code no longer has, an empty msgstr, a fuzzy entry or header, a translation whose
placeholders differ from its msgid, and a .mo that does not match its .po.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "appliance" / "translations"
TEMPLATE = CATALOGUES / "messages.pot"
UPDATE = ".venv/bin/python tools/translations.py update"
# Wider than Babel's default so that long interface sentences are split less in diffs.
WIDTH = "100"


def pybabel(*args: str) -> str:
    """Run one pybabel command from the project root and return its log; exit with that log when
    the command fails."""
    result = subprocess.run(  # noqa: S603 - a fixed argv: this interpreter running Babel
        [sys.executable, "-m", "babel.messages.frontend", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"pybabel {args[0]} failed:\n{result.stderr}{result.stdout}")
    return result.stderr


def extract(pot: Path) -> None:
    """Write every interface message to ``pot``: templates, ``_``/``gettext``, lazy ``_l`` and
    the ``N_`` markers (among them the settings' descriptions). ``N_`` is a Babel default keyword.
    """
    # No locations and no header: the template then changes only when a message does.
    pybabel(
        "extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--omit-header",
        "--width", WIDTH, "-o", str(pot), ".",
    )  # fmt: skip


def sources() -> list[Path]:
    """Every language's messages.po."""
    return sorted(CATALOGUES.glob("*/LC_MESSAGES/messages.po"))


def read(po: Path) -> Catalog:
    """The catalogue in ``po``, its locale taken from the <lang>/LC_MESSAGES/ folder around it."""
    with po.open("rb") as fh:
        return read_po(fh, locale=po.parent.parent.name)


def update() -> None:
    """Extract into the template, merge it into every .po, then compile every .mo."""
    extract(TEMPLATE)
    # A message that left the code is dropped rather than kept as #~: git history still has it.
    pybabel(
        "update", "-i", str(TEMPLATE), "-d", str(CATALOGUES), "--ignore-obsolete",
        "--ignore-pot-creation-date", "--width", WIDTH,
    )  # fmt: skip
    print(pybabel("compile", "-d", str(CATALOGUES), "--statistics"), end="")


def shown(path: Path) -> Path:
    """``path`` relative to the project root when it lies inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def problems(extracted: set[str], po: Path) -> list[str]:
    """What is wrong with one language's ``po`` (and its compiled .mo) against the msgids
    ``extracted`` from the code; an empty list when it is complete and compiled."""
    name = shown(po)
    catalog = read(po)
    entries = {m.id: m for m in catalog if m.id}
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in entries.values()}
    found = [f"{name}: not in the catalogue: {m!r}; run {UPDATE}" for m in sorted(extracted - ids)]
    translate = f"translate it in {name}, then run {UPDATE}"
    if catalog.fuzzy:
        found.append(
            f"{name}: the header is fuzzy, so compile skips the file; unmark it, run {UPDATE}"
        )
    compilable = {}  # what pybabel compile writes: neither fuzzy nor untranslated entries
    for message in entries.values():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(f"{name}: fuzzy: {message.id!r}; check it, drop the flag, {translate}")
        elif not all(strings):
            found.append(f"{name}: not translated: {message.id!r}; {translate}")
        else:
            compilable[_hashable(message.id)] = _hashable(message.string)
    found.extend(
        f"{name}: no longer in the code: {m!r}; run {UPDATE}" for m in sorted(ids - extracted)
    )
    for message, errors in catalog.check():
        found.extend(
            f"{name}: {message.id!r}: {error}; fix it, then run {UPDATE}" for error in errors
        )
    mo = po.with_suffix(".mo")
    compiled = {}
    if mo.exists():
        with mo.open("rb") as fh:
            # A plural entry reads back with lists where the catalogue holds tuples.
            compiled = {_hashable(m.id): _hashable(m.string) for m in read_mo(fh) if m.id}
    if compiled != compilable:
        found.append(f"{shown(mo)} does not match {name}; run {UPDATE}")
    return found


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def check() -> list[str]:
    """Every problem with every catalogue, each naming the command that fixes it."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        extract(pot)
        with pot.open("rb") as fh:
            extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    if not sources():
        return [f"no messages.po under {shown(CATALOGUES)}"]
    return [problem for po in sources() for problem in problems(extracted, po)]


def main(argv: list[str]) -> int:
    if argv == ["update"]:
        update()
        return 0
    if argv == ["check"]:
        found = check()
        for problem in found:
            print(problem)
        return 1 if found else 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
