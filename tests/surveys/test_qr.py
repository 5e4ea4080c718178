"""The open link's QR code as SVG and PNG downloads and a printable poster (staff only; the
route matrix holds who may open them). Both images must carry exactly the open link: each is
read back module by module and compared with the QR code of that URL."""

from __future__ import annotations

import re
import struct
import zlib

import pytest
import segno

from appliance import STATIC
from appliance.auth.service import CLI
from appliance.db import transaction
from appliance.surveys import store
from appliance.surveys.service import create_from_template
from tests.read_only import read_only_app, read_only_conn, read_only_data_dir  # noqa: F401

BORDER = 4


def open_link(app, conn, survey_id) -> str:
    base = app.extensions["appliance"].settings["base_url"]
    return f"{base}/s/{store.get_survey(conn, survey_id)['link_token']}"


def expected(url: str) -> list[list[bool]]:
    return [[bool(v) for v in row] for row in segno.make(url, error="m").matrix]


def svg_modules(svg: str) -> list[list[bool]]:
    """The dark modules of segno's SVG path (rows of 'h' runs moved with 'm'), border cut."""
    d = re.search(r' d="([^"]+)"', svg).group(1)
    size = int(re.search(r'width="(\d+)"', svg).group(1)) // 10
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for op, a, b in re.findall(r"([MmHh])(-?[\d.]+)(?:[ ,](-?[\d.]+))?", d):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for col in range(int(x), int(x + float(a))):
                grid[int(y)][col] = True
            x += float(a)
    return [row[BORDER:-BORDER] for row in grid[BORDER:-BORDER]]


def png_modules(data: bytes, scale: int) -> list[list[bool]]:
    """Decode a greyscale 1-bit PNG (what segno writes) and sample each module's centre."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert (
            zlib.crc32(kind + body)
            == struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        )
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert (depth, colour) == (1, 0) and width == height
    raw = zlib.decompress(idat)
    stride = (width + 7) // 8
    rows, previous = [], bytes(stride)
    for r in range(height):
        line = raw[r * (stride + 1) : (r + 1) * (stride + 1)]
        kind, line = line[0], line[1:]
        assert kind in (0, 2)
        if kind == 2:
            line = bytes((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        rows.append(line)
        previous = line
    n = width // scale

    def dark(px, py):
        return not (rows[py][px // 8] >> (7 - px % 8)) & 1  # 0 is black

    grid = [
        [dark(c * scale + scale // 2, r * scale + scale // 2) for c in range(n)] for r in range(n)
    ]
    return [row[BORDER:-BORDER] for row in grid[BORDER:-BORDER]]


@pytest.fixture(scope="module")
def survey_id(conn) -> int:
    """One survey titled "Tevredenheid 2026" for the whole module (its tests only read)."""
    survey_id = create_from_template(conn, CLI, "customer_satisfaction")
    with transaction(conn):
        conn.execute("UPDATE surveys SET title = 'Tevredenheid 2026' WHERE id = ?", (survey_id,))
    return survey_id


def test_the_svg_holds_the_open_link(app, as_role, conn, survey_id):
    r = as_role("staff").get(f"/surveys/{survey_id}/qr.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert "attachment" in r.headers["Content-Disposition"]
    assert f"qr-tevredenheid-2026-{survey_id}.svg" in r.headers["Content-Disposition"]
    url = open_link(app, conn, survey_id)
    assert svg_modules(r.get_data(as_text=True)) == expected(url)
    assert svg_modules(r.get_data(as_text=True)) != expected(url + "x")


def test_the_png_holds_the_open_link_at_a_printable_size(app, as_role, conn, survey_id):
    r = as_role("staff").get(f"/surveys/{survey_id}/qr.png")
    assert r.status_code == 200 and r.mimetype == "image/png"
    width = struct.unpack(">I", r.data[16:20])[0]
    assert 250 <= width <= 1000  # ten pixels a module: sharp on paper, small to send
    assert png_modules(r.data, 10) == expected(open_link(app, conn, survey_id))


def test_the_poster_shows_title_code_and_link_and_prints_on_a4(app, as_role, conn, survey_id):
    page = as_role("staff").get(f"/surveys/{survey_id}/poster").get_data(as_text=True)
    assert "Tevredenheid 2026" in page and open_link(app, conn, survey_id) in page
    assert 'class="poster-qr" src="data:image/svg+xml' in page
    css = (STATIC / "app.css").read_text()
    assert "@media print" in css and "size: A4" in css
    # The survey page links to all three.
    edit = as_role("staff").get(f"/surveys/{survey_id}").get_data(as_text=True)
    for path in ("qr.svg", "qr.png", "poster"):
        assert f"/surveys/{survey_id}/{path}" in edit


def test_an_unknown_survey_has_no_code(as_role):
    assert as_role("staff").get("/surveys/999/qr.png").status_code == 404
