"""Awkward files as CRM systems and Excel really write them, each with its expected outcome."""

from __future__ import annotations

import codecs

import openpyxl
import pytest

from appliance.contacts import reader

ROWS = [
    ["E-mailadres", "Voornaam", "Tussenvoegsel", "Achternaam", "Plaats"],
    ["jan@example.nl", "Jan", "van der", "Berg", "’s-Hertogenbosch"],
    ["els@example.nl", "Els", "", "Müller-Lüdenscheidt", "Zoë"],
]


def encode(rows, delimiter=",", encoding="utf-8", newline="\r\n"):
    text = newline.join(delimiter.join(cells) for cells in rows) + newline
    return text.encode(encoding)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_it_detects_encoding_and_delimiter(tmp_path, delimiter, encoding):
    path = tmp_path / "export.csv"
    path.write_bytes(encode(ROWS, delimiter, encoding))
    with reader.open_table(path) as table:
        assert table.delimiter == delimiter
        assert table.headers == ROWS[0]
        assert [cells for _, cells in table.rows()] == ROWS[1:]


def test_it_reads_quoted_delimiters_newlines_blank_lines_and_trailing_columns(tmp_path):
    content = (
        "email;naam;opmerking;;\r\n"
        "\r\n"
        'a@example.nl;"Jansen; Jan";"twee\r\nregels";;\r\n'
        ";;;;\r\n"
        'b@example.nl;"De ""Boer""";;;\r\n'
    ).encode("cp1252")
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with reader.open_table(path) as table:
        assert table.headers == ["email", "naam", "opmerking"]
        rows = list(table.rows())
    assert [cells for _, cells in rows] == [
        ["a@example.nl", "Jansen; Jan", "twee\r\nregels"],
        ["b@example.nl", 'De "Boer"', ""],
    ]
    assert [number for number, _ in rows] == [3, 6]  # where each record starts, as an editor shows


def test_staff_can_override_the_encoding(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(encode(ROWS, ";", "cp1252"))
    with reader.open_table(path, encoding="latin-1", delimiter=";") as table:
        assert list(table.rows())[1][1][3] == "Müller-Lüdenscheidt"


def test_utf16_excel_export(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + encode(ROWS, "\t", "utf-16-le"))
    with reader.open_table(path) as table:
        assert table.headers == ROWS[0] and len(list(table.rows())) == 2


def test_xlsx_first_or_chosen_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Leeg"
    book.active.append(["niets"])
    sheet = book.create_sheet("Klanten")
    for row in ROWS:
        sheet.append(row)
    sheet.append(["piet@example.nl", "Piet", None, 12345, None])
    path = tmp_path / "export.xlsx"
    book.save(path)
    with reader.open_table(path, sheet="Klanten") as table:
        assert table.sheets == ["Leeg", "Klanten"]
        rows = [cells for _, cells in table.rows()]
    assert rows[-1] == ["piet@example.nl", "Piet", "", "12345", ""]
    with reader.open_table(path) as table:
        assert table.headers == ["niets"]
    with pytest.raises(reader.FileError, match="no sheet"):
        reader.open_table(path, sheet="Bestaat niet")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"\r\n\r\n  \r\n", "no header row"),
        (b"\x00\x01\x02binary\x00", "not text"),
        (b"PK\x03\x04not really a zip", "not a valid XLSX"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(reader.FileError, match=reason):
        reader.open_table(path)


def test_a_row_wider_than_the_header_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"email,naam\na@example.nl,A,extra\n")
    with reader.open_table(path) as table, pytest.raises(reader.FileError, match="more columns"):
        list(table.rows())


def test_a_cp1252_file_whose_first_accent_is_far_down_is_detected(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(
        b"email,naam\n" + b"a@example.nl,Jan\n" * 5000 + "b@example.nl,Zoë\n".encode("cp1252")
    )
    with reader.open_table(path) as table:
        assert table.encoding == "cp1252"
        assert list(table.rows())[-1][1] == ["b@example.nl", "Zoë"]


def test_a_bad_byte_half_way_under_a_chosen_encoding_is_a_clear_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"email,naam\n" + b"a@example.nl,Jan\n" * 5000 + b"b@example.nl,\xff\xfe\n")
    with (
        reader.open_table(path, encoding="utf-8") as table,
        pytest.raises(reader.FileError, match="encoding"),
    ):
        list(table.rows())


def test_a_line_longer_than_the_limit_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"email,naam\n" + b"a" * (reader.MAX_LINE + 10) + b"\n")
    with reader.open_table(path) as table, pytest.raises(reader.FileError, match="longer"):
        list(table.rows())


def test_a_first_row_of_data_is_not_taken_for_a_header(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"jan@example.nl;Jan;Jansen;0612345678\n")
    with pytest.raises(reader.FileError, match="holds data"):
        reader.open_table(path)


def test_repeated_column_names_stay_apart(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"email;Telefoon;telefoon;Telefoon\na@example.nl;1;2;3\n")
    with reader.open_table(path) as table:
        assert table.headers == ["email", "Telefoon", "telefoon (2)", "Telefoon (3)"]


@pytest.mark.parametrize("encoding", ["rot13", "hex", "base64", "punycode"])
def test_only_text_encodings_may_be_chosen(tmp_path, encoding):
    path = tmp_path / "x.csv"
    path.write_bytes(b"email\na@example.nl\n")
    with pytest.raises(reader.FileError, match="unknown encoding"):
        reader.open_table(path, encoding=encoding)


def test_a_workbook_that_unpacks_huge_is_refused_before_it_is_read(tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * (80 * 1024 * 1024) + b"</sst>")
    with pytest.raises(reader.FileError, match="too large"):
        reader.open_table(path)


def test_a_damaged_workbook_cell_is_a_clear_error(tmp_path):
    import zipfile

    good = tmp_path / "good.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["email", "naam"])
    book.active.append(["a@example.nl", 5])
    book.save(good)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>5</v>", b"<v>Jan Jansen</v>")
            dst.writestr(item, data)
    with reader.open_table(bad) as table, pytest.raises(reader.FileError, match="not a valid"):
        list(table.rows())


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8-sig"])
def test_a_table_opened_again_reads_the_same_rows_as_it_settled(tmp_path, encoding):
    path = tmp_path / "export.csv"
    path.write_bytes(
        encode([["naam", "regio"], ["Noëlle", "Zuid"], ["Jos", "Noord"]], ";", encoding)
    )
    with reader.open_table(path) as table:
        first = list(table.rows())
        with table.reopen() as again:
            assert (again.encoding, again.delimiter) == (table.encoding, table.delimiter)
            assert again.headers == table.headers and list(again.rows()) == first


def test_a_workbook_opened_again_reads_the_chosen_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["email"])
    book.create_sheet("Klanten").append(["email", "regio"])
    book["Klanten"].append(["a@example.nl", "Zuid"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    with reader.open_table(path, sheet="Klanten") as table, table.reopen() as again:
        assert list(again.rows()) == [(2, ["a@example.nl", "Zuid"])]


def test_a_detected_encoding_staff_could_not_choose_still_opens_again(tmp_path):
    # A byte cp1252 leaves undefined makes the detector answer latin_1, not in ENCODINGS.
    path = tmp_path / "export.csv"
    path.write_bytes(b"naam;regio\n" + "Noëlle;Zuid\n".encode("latin-1") * 3 + b"\x90;Oost\n")
    with reader.open_table(path) as table, table.reopen() as again:
        assert table.encoding == again.encoding == "latin_1"
        assert len(list(again.rows())) == 4
