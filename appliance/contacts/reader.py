"""Reading CRM and Excel exports as a stream of rows, never the whole file at once.

CSV: the encoding is UTF-8 (with or without BOM) when the sample decodes as UTF-8, else what
charset-normalizer detects (cp1252 / latin-1 in practice); the delimiter is found by the standard
library's ``csv.Sniffer`` among , ; tab | . Staff can override both. XLSX: the first sheet or a
chosen one, through openpyxl's read-only mode. Every problem is a :class:`FileError` with a reason
that names no personal data.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from appliance.i18n import N_

SAMPLE_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16")  # what staff may choose
MAX_COLUMNS = 200
MAX_LINE = 1024 * 1024
SNIFF_CHARS = 4096  # csv.Sniffer is quadratic on hostile input: it sees only the start


class FileError(ValueError):
    """The file cannot be read as a table; ``reason`` is a msgid, ``detail`` adds a location."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason + (f" ({detail})" if detail else ""))
        self.reason = reason
        self.detail = detail


@dataclass
class Table:
    """An open export: its header row and a stream of data rows."""

    kind: str
    headers: list[str]
    encoding: str = ""
    delimiter: str = ""
    sheets: list[str] = field(default_factory=list)
    _rows: Iterator[tuple[int, list[str]]] | None = None
    _close: list = field(default_factory=list)
    _position: Callable[[], float] | None = None
    _reopen: Callable[[], Table] | None = None

    def reopen(self) -> Table:
        """The same file opened again with the encoding, separator or sheet this one settled on
        (no second detection), read from its first row. Raises FileError."""
        if self._reopen is None:
            raise RuntimeError("only a table from open_table can be opened again")
        return self._reopen()

    def fraction(self) -> float:
        """How far through the file reading has come, 0..1 (0 when unknown, as for XLSX)."""
        return min(1.0, self._position()) if self._position else 0.0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line or row number in the file, cells) for each non-blank data row, padded or trimmed
        to the header's width. Raises FileError when the file turns out unreadable half-way."""
        width = len(self.headers)
        for number, cells in self._rows or ():
            if not any(cells) or not "".join(cells).strip():
                continue
            if len(cells) == width:
                yield number, cells
                continue
            if len(cells) > width:
                if any(c.strip() for c in cells[width:]):
                    raise FileError(N_("a row has more columns than the header"), f"row {number}")
                cells = cells[:width]
            yield number, cells + [""] * (width - len(cells))

    def close(self) -> None:
        for closer in self._close:
            closer()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def open_table(
    path: str | Path, *, encoding: str = "", delimiter: str = "", sheet: str = ""
) -> Table:
    """Open ``path`` as CSV or XLSX. Empty options mean: detect."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise FileError(N_("the file is empty"))
    if is_xlsx(path):
        return _open_xlsx(path, sheet)
    return _open_csv(path, encoding, delimiter)


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # A sample may end inside a multi-byte character: tolerate a cut of up to 3 bytes.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "utf_16"]).best()
    if best is None:
        raise FileError(N_("the file is not text (choose CSV or XLSX)"))
    return "cp1252" if best.encoding in ("cp1252", "windows_1252") else best.encoding


def detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:50]
    if not lines:
        raise FileError(N_("the file has no header row"))
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    # The sniffer needs consistent rows; with one row (a header only) the header decides.
    found = [d for d in DELIMITERS if d in lines[0]]
    if len(found) == 1:
        return found[0]
    if not found:
        return ","  # a single column
    raise FileError(N_("the column separator could not be determined; choose it"))


def _is_utf8(path: Path) -> bool:
    """The whole file decodes as UTF-8 (checked in chunks: a cp1252 export may have its first
    accented name far beyond the sample)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _lines(stream: io.TextIOBase) -> Iterator[str]:
    """Physical lines, refused beyond MAX_LINE characters so one line cannot fill memory."""
    while line := stream.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE:
            raise FileError(N_("a line of the file is longer than 1 MB"))
        yield line


def _open_csv(path: Path, encoding: str, delimiter: str) -> Table:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileError(N_("the file is not text (choose CSV or XLSX)"))
    if encoding and encoding not in ENCODINGS:
        raise FileError(N_("unknown encoding"))
    if not encoding:
        encoding = detect_encoding(sample)
        if encoding == "utf-8" and not _is_utf8(path):
            encoding = "cp1252"
    text = sample.decode(encoding, errors="ignore")
    delimiter = delimiter or detect_delimiter(text[:SNIFF_CHARS])
    if delimiter not in DELIMITERS:
        raise FileError(N_("unknown column separator"))
    return _csv_table(path, encoding, delimiter)


def _csv_table(path: Path, encoding: str, delimiter: str) -> Table:
    """The open CSV table, with the encoding and separator settled (detected or chosen)."""
    raw = path.open("rb")
    stream = io.TextIOWrapper(raw, encoding=encoding, newline="")
    reader = csv.reader(_lines(stream), delimiter=delimiter, quotechar='"', strict=False)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        ended = 0  # the line a record starts on is what an editor shows; quoted newlines span
        try:
            for cells in reader:
                if len(cells) > 10 * MAX_COLUMNS:
                    raise FileError(
                        N_("a row has more columns than the header"), f"line {ended + 1}"
                    )
                yield ended + 1, cells
                ended = reader.line_num
        except UnicodeDecodeError:
            raise FileError(
                N_("the file cannot be read with this encoding; choose another"),
                f"line {reader.line_num + 1}",
            ) from None
        except csv.Error:
            raise FileError(
                N_("the file is not a valid CSV file"), f"line {reader.line_num}"
            ) from None

    rows = numbered()
    headers = _header(rows, [stream.close])
    size = path.stat().st_size
    return Table(
        "csv",
        headers,
        encoding,
        delimiter,
        [],
        rows,
        [stream.close],
        lambda: raw.tell() / size,
        functools.partial(_csv_table, path, encoding, delimiter),
    )


_DATA_LIKE = re.compile(r"@[^@\s]+\.[A-Za-z]{2,}$|^\+?[\d\s().-]{8,}$")


def _header(rows: Iterator[tuple[int, list[str]]], closers: list) -> list[str]:
    """The first non-blank row, as unique column names; on any refusal the file is closed.
    A first row holding an e-mail address or a phone number is data, not a header: refused,
    so no person becomes a column name."""
    try:
        return _first_row(rows)
    except BaseException:
        for close in closers:
            close()
        raise


def _first_row(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    for _number, cells in rows:
        if any(c.strip() for c in cells):
            headers = [c.strip() for c in cells]
            while headers and not headers[-1]:
                headers.pop()  # Excel's trailing empty columns
            if len(headers) > MAX_COLUMNS:
                raise FileError(N_("the file has more than 200 columns"))
            if any(_DATA_LIKE.search(h) for h in headers):
                raise FileError(N_("the first row holds data, not column names; add a header"))
            return _unique(headers)
    raise FileError(N_("the file has no header row"))


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for header in headers:
        key = header.lower()
        seen[key] = seen.get(key, 0) + 1
        out.append(header if seen[key] == 1 else f"{header} ({seen[key]})")
    return out


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# A workbook is a zip: its declared sizes are checked before openpyxl reads it, because
# openpyxl loads shared strings whole even in read-only mode (a zip bomb would fill memory).
XLSX_MAX_UNCOMPRESSED = 512 * 1024 * 1024
XLSX_MAX_SHARED_STRINGS = 64 * 1024 * 1024
XLSX_MAX_RATIO = 200


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileError(N_("the file is not a valid XLSX workbook")) from None
    total = sum(m.file_size for m in members)
    compressed = sum(m.compress_size for m in members) or 1
    shared = sum(m.file_size for m in members if m.filename.endswith("sharedStrings.xml"))
    if (
        total > XLSX_MAX_UNCOMPRESSED
        or shared > XLSX_MAX_SHARED_STRINGS
        or total / compressed > XLSX_MAX_RATIO
        and total > 16 * 1024 * 1024
    ):
        raise FileError(N_("the workbook is too large when unpacked; export it as CSV"))


def _open_xlsx(path: Path, sheet: str) -> Table:
    import openpyxl  # imported here: only XLSX uploads pay for it

    _check_zip(path)
    # A file object, not the path: openpyxl judges a path by its extension, and uploads are
    # stored under a neutral name.
    handle = path.open("rb")
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - zip and XML errors vary; none may escape as a crash
        handle.close()
        raise FileError(N_("the file is not a valid XLSX workbook")) from None
    names = book.sheetnames
    if sheet and sheet not in names:
        book.close()
        handle.close()
        raise FileError(N_("the workbook has no sheet of that name"))
    worksheet = book[sheet or names[0]]

    def numbered() -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if len(values) > MAX_COLUMNS:
                    values = values[:MAX_COLUMNS] if not any(values[MAX_COLUMNS:]) else None
                    if values is None:
                        raise FileError(
                            N_("a row has more columns than the header"), f"row {number}"
                        )
                yield number, [_cell(v) for v in values]
        except FileError:
            raise
        except Exception:  # noqa: BLE001 - a damaged cell must not become a traceback
            raise FileError(
                N_("the file is not a valid XLSX workbook"), f"row {number + 1}"
            ) from None

    closers = [book.close, handle.close]
    rows = numbered()
    headers = _header(rows, closers)
    return Table(
        "xlsx",
        headers,
        "",
        "",
        names,
        rows,
        closers,
        None,
        functools.partial(_open_xlsx, path, sheet),
    )
