"""Paper surveys: scanned pages read per second on one core, and letters made per second.

- Reading: a corpus of filled-in forms (``tests/paper/corpus.py``: real forms rendered at
  200 dpi, marked by a simulated hand, rotated, blurred, noisy, JPEG-compressed) read one
  page after another in this process, as an upload is: find the QR code, the corner markers,
  align, read every box. ``pages_per_second`` against a floor that only decodes each page's
  JPEG and reads its QR code (``floor_pages_per_second``); target >= 2 pages/s at 200 dpi.
  Also the reading's figures on the same pages: pages identified, doubtful, answers wrong.
- Letters: ``benchmarks/paper_letters.py`` (10,000 letters into one PDF against fpdf2 writing
  10,000 one-line pages); target >= 200 letters/s.

Prints one JSON object as its last line.

    .venv/bin/python benchmarks/paper.py [--quick]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import cv2  # noqa: E402
import paper_letters  # noqa: E402
from flask import Flask  # noqa: E402
from flask_babel import Babel  # noqa: E402

from appliance.paper import reader, scan  # noqa: E402
from appliance.paper.layout import layout  # noqa: E402
from appliance.paper.model import geometry  # noqa: E402
from appliance.paper.texts import Facts, form_texts  # noqa: E402
from appliance.surveys.definition import Definition  # noqa: E402
from appliance.surveys.templates import TEMPLATES  # noqa: E402
from tests.paper.corpus import fill  # noqa: E402


def corpus(pages: int, dpi: int):
    host = Flask("paper-benchmark")
    Babel(host)
    forms = []
    with host.app_context():
        for number, name in enumerate(("customer_satisfaction", "employee_satisfaction"), 1):
            d = Definition.parse(copy.deepcopy(TEMPLATES[name]))
            texts = form_texts(d, "nl", Facts("Bakkerij", 5, 6))
            form = layout(d, "nl", survey_id=number, version=1, invited=False, texts=texts)
            forms.append((form, {q.id for q in d.questions.values() if q.type == "multiple"}))
    rng = random.Random(7)
    scanned = []
    while len(scanned) < pages:
        for form, multiple in forms:
            scanned.extend(fill(form, multiple, rng, dpi=dpi))
    known = {(f.survey_id, geometry(f).digest): (geometry(f), frozenset(m)) for f, m in forms}
    # As uploaded: each page a JPEG file.
    files = [
        cv2.imencode(".jpg", p.image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
        for p in scanned[:pages]
    ]
    return scanned[:pages], files, known


def reading(pages: int) -> dict:
    scanned, files, known = corpus(pages, 200)
    began = time.perf_counter()
    for data in files:
        image = scan.load_pages(data)[0]
        scan.read_qr(image)
    floor = len(files) / (time.perf_counter() - began)
    began = time.perf_counter()
    results = [
        reader.read_image(i, scan.load_pages(data)[0], lambda s, d: known.get((s, d)))
        for i, data in enumerate(files)
    ]
    rate = len(files) / (time.perf_counter() - began)
    wrong = 0
    for page, result in zip(scanned, results, strict=True):
        doubtful = {q.question for q in result.doubtful}
        for question, meant in page.meant.items():
            if question not in doubtful and result.answers.get(question) != meant:
                wrong += 1
    return {
        "pages": len(files),
        "dpi": 200,
        "pages_per_second": round(rate, 2),
        "floor_pages_per_second": round(floor, 2),
        "ratio_to_floor": round(rate / floor, 2),
        "identified": sum(not r.problem for r in results),
        "doubtful_pages": sum(bool(r.doubtful or r.problem) for r in results),
        "answers_wrong": wrong,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = {"reading": reading(30 if args.quick else 120)}
    result["letters"] = paper_letters.run(10_000)
    result["targets_met"] = (
        result["reading"]["pages_per_second"] >= 2
        and result["reading"]["answers_wrong"] == 0
        and result["letters"]["letters_per_second"] >= 200
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
