"""Letters by post: how fast one PDF of N invitation letters is made, against a floor.

- ``letters_per_second``: N letters (default 10,000; ``--quick`` 10,000 too, ``--letters``
  to change it) made as a post campaign's download makes them: for each, the standard Dutch
  invitation template's text part filled in through the Jinja2 sandbox with its salutation, the
  link token and the short code derived from a fresh seed with the keyed hash, then
  ``appliance.paper.letters.render`` (letterhead, address block, text, QR code of the link,
  code block) into one PDF. Not included: opening the contacts' sealed fields (AES-GCM, about
  a tenth of a millisecond per letter) and reading them from the database.
- ``floor_pages_per_second``: fpdf2 writing N pages with one line of text each into one PDF
  with the same embedded font: the least any letter must cost. ``ratio`` = letters per second
  / floor pages per second.

Prints one JSON object as its last line.

    .venv/bin/python benchmarks/paper_letters.py [--quick] [--letters N]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jinja2 import StrictUndefined  # noqa: E402
from jinja2.sandbox import SandboxedEnvironment  # noqa: E402

from appliance.crypto import KeyedHasher, new_key  # noqa: E402
from appliance.mailing import codes, links, salutation  # noqa: E402
from appliance.migrations.mailing import DEFAULT_TEMPLATES  # noqa: E402
from appliance.paper import letters  # noqa: E402
from appliance.pdfdoc import Document  # noqa: E402

BASE = "https://enquete.voorbeeld.nl"
FIRST = ("Jan", "Els", "Sam", "Kim", "Piet", "Anna", "Mohammed", "Fleur")
LAST = ("Jansen", "de Vries", "Bakker", "van Dam", "Visser", "Smit", "El Amrani", "Meijer")


def floor(n: int) -> float:
    started = time.perf_counter()
    pdf = Document()
    pdf.footer = lambda: None
    for i in range(n):
        pdf.add_page()
        pdf.text(25, 30, f"Pagina {i}")
    pdf.output()
    return n / (time.perf_counter() - started)


def make_letters(n: int):
    hasher = KeyedHasher(new_key())
    body = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined).from_string(
        DEFAULT_TEMPLATES["Uitnodiging / Invitation"]["nl"]["text"]
    )
    texts = letters.LetterTexts()
    for i in range(n):
        seed = secrets.token_bytes(16)
        person = salutation.Person(
            FIRST[i % 8], "", LAST[i % 7], ("man", "woman", "unknown")[i % 3]
        )
        text = body.render(
            salutation=salutation.salutation(person, "nl"),
            organisation="Voorbeeld B.V.",
            close_date="31 maart 2026",
            survey_link=f"{BASE.split('://')[1]}/c",
            unsubscribe_link=f"{BASE.split('://')[1]}/u",
        )
        yield letters.Letter(
            address=(
                f"{person.first_name} {person.last_name}",
                f"Dorpsstraat {i % 300 + 1}",
                f"{1000 + i % 8999} AB  ZWOLLE",
            ),
            body=text,
            link=f"{links.survey_link(BASE, links.token(hasher, seed))}?lang=nl",
            code=codes.shown(codes.derive(hasher, seed)),
            date="3 maart 2026",
            texts=texts,
        )


def run(n: int) -> dict:
    head = letters.Letterhead(
        "Voorbeeld B.V.",
        "Postbus 123\n8000 AB  ZWOLLE",
        "enquete.voorbeeld.nl/c",
        "enquete.voorbeeld.nl/u",
    )
    started = time.perf_counter()
    pdf = letters.render(head, make_letters(n))
    seconds = time.perf_counter() - started
    floor_rate = floor(n)
    rate = n / seconds
    return {
        "letters": n,
        "seconds": round(seconds, 2),
        "letters_per_second": round(rate, 1),
        "floor_pages_per_second": round(floor_rate, 1),
        "ratio": round(rate / floor_rate, 3),
        "pdf_mb": round(len(pdf) / 1e6, 1),
        "target_met": rate >= 200,
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 letters")
    parser.add_argument("--letters", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(run(args.letters or 10_000)))


if __name__ == "__main__":
    main()
