"""abas' EDP dialect of the file sink: the exact bytes, one record per receipt, reading back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paytrace_abas.abas import edp
from paytrace_abas.abas.import_file import ImportFileSink
from paytrace_abas.config import AbasSettings, load_settings
from paytrace_abas.config.settings import DEFAULT_RECEIPT_FIELDS
from paytrace_abas.errors import ConfigError, PostingRejectedError
from paytrace_abas.models import Receipt, ReceiptLine

GOLDEN = Path(__file__).parent / "golden" / "abas_import.edp"
DAY = dt.date(2026, 11, 25)
TWO_INVOICES = Receipt(
    "512330107",
    "70001",
    "USD",
    DAY,
    "18100",
    (ReceiptLine("400101", 124850, 0, 124850), ReceiptLine("400102", 38000, 600, 38600)),
)
ONE_INVOICE = Receipt(
    "512330121", "70002", "USD", DAY, "18100", (ReceiptLine("400117", 100005, 2000, 102005),)
)
#: an import file as the sink wrote it before the dialect changed: decimal comma, no new headers
PREVIOUS_FORMAT = (
    "#!database=102\n#!group=4\n#!action=NEW\n"
    "beleg;beldat;kbudat;gkonto;kwaehr;tbeleg;opzabetr;skbetr\n"
    "512330107;25.11.2026;25.11.2026;18100;USD;400101;1248,50;0,00\n"
    "512330107;25.11.2026;25.11.2026;18100;USD;400102;380,00;6,00\n"
)


def test_the_import_file_is_byte_for_byte_the_golden_file(tmp_path: Path) -> None:
    path = tmp_path / "import.edp"
    sink = ImportFileSink(AbasSettings(import_file=path))
    assert sink.post(TWO_INVOICES) == "import.edp line 8"
    assert sink.post(ONE_INVOICE) == "import.edp line 10"
    assert path.read_bytes() == GOLDEN.read_bytes()


def test_a_receipt_paying_two_invoices_is_one_record_with_two_table_rows(tmp_path: Path) -> None:
    path = tmp_path / "import.edp"
    ImportFileSink(AbasSettings(import_file=path)).post(TWO_INVOICES)
    lines = path.read_text("utf-8").splitlines()
    headers = dict(line[2:].split("=", 1) for line in lines if line.startswith("#!"))
    names = lines[len(headers)].split(";")
    rows = [dict(zip(names, line.split(";"), strict=True)) for line in lines[len(headers) + 1 :]]
    record_ids = {row[headers["recordidfld"]] for row in rows}
    assert record_ids == {"512330107"}
    table = names[names.index(headers["firsttabfld"]) :]
    assert [[row[name] for name in table] for row in rows] == [
        ["400101", "", "1248.50", "0.00"],
        ["400102", "", "380.00", "6.00"],
    ]


def test_amounts_are_written_with_a_point_and_read_back_to_the_cent(tmp_path: Path) -> None:
    path = tmp_path / "import.edp"
    sink = ImportFileSink(AbasSettings(import_file=path))
    sink.post(TWO_INVOICES)
    sink.post(ONE_INVOICE)
    read = edp.read_lines(path.read_text("utf-8"), DEFAULT_RECEIPT_FIELDS, str(path))
    assert [(r.reference, r.invoice, r.amount_cents, r.discount_cents) for r in read] == [
        ("512330107", "400101", 124850, 0),
        ("512330107", "400102", 38000, 600),
        ("512330121", "400117", 100005, 2000),
    ]


def test_a_decimal_comma_can_be_configured_and_is_read_back(tmp_path: Path) -> None:
    path = tmp_path / "import.edp"
    ImportFileSink(AbasSettings(import_file=path, import_decimal=",")).post(TWO_INVOICES)
    assert path.read_text("utf-8").endswith(";400102;;380,00;6,00\n")
    read = edp.read_lines(path.read_text("utf-8"), DEFAULT_RECEIPT_FIELDS, str(path))
    assert [r.amount_cents for r in read] == [124850, 38000]


def test_a_file_of_the_previous_format_in_the_archive_still_answers(tmp_path: Path) -> None:
    archive = tmp_path / "imported"
    archive.mkdir()
    (archive / "before-upgrade.edp").write_text(PREVIOUS_FORMAT, "utf-8")
    read = edp.read_lines(PREVIOUS_FORMAT, DEFAULT_RECEIPT_FIELDS, "before-upgrade.edp")
    assert [(r.invoice, r.amount_cents, r.discount_cents) for r in read] == [
        ("400101", 124850, 0),
        ("400102", 38000, 600),
    ]
    sink = ImportFileSink(
        AbasSettings(import_file=tmp_path / "new.edp", import_archive_dir=archive)
    )
    found = sink.find_many([TWO_INVOICES, ONE_INVOICE])
    assert list(found) == ["512330107"]
    assert found["512330107"].invoice_nos == {"400101", "400102"}
    assert found["512330107"].document == "before-upgrade.edp line 5"


def test_a_current_file_of_the_previous_format_is_not_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "import.edp"
    path.write_text(PREVIOUS_FORMAT, "utf-8")
    with pytest.raises(ConfigError, match="earlier format.*move it to \\[abas\\] import_archive"):
        ImportFileSink(AbasSettings(import_file=path))
    assert path.read_text("utf-8") == PREVIOUS_FORMAT


def test_a_hash_in_a_value_is_refused_like_a_semicolon(tmp_path: Path) -> None:
    path = tmp_path / "import.edp"
    sink = ImportFileSink(AbasSettings(import_file=path))
    hashed = Receipt("512330107", "K", "USD", DAY, "18100", (ReceiptLine("4001#1", 100, 0, 100),))
    with pytest.raises(PostingRejectedError, match="'4001#1'.*contains ';', '#'"):
        sink.post(hashed)
    assert edp.read_lines(path.read_text("utf-8"), DEFAULT_RECEIPT_FIELDS, str(path)) == []


def test_the_payment_action_of_older_releases_is_a_configuration(tmp_path: Path) -> None:
    path = tmp_path / "import.edp"
    settings = AbasSettings(
        import_file=path, import_action="PAYMENT", import_menuchoice="offene Posten ausbuchen"
    )
    ImportFileSink(settings).post(TWO_INVOICES)
    head = path.read_text("utf-8").splitlines()[:7]
    assert head[3:5] == ["#!action=PAYMENT", "#!menuchoice=offene Posten ausbuchen"]
    assert head[5:7] == ["#!recordidfld=beleg", "#!firsttabfld=tbeleg"]


def test_record_id_and_table_fields_must_be_columns_of_the_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[abas]\nopen_items_file = "o.csv"\nimport_recordidfld = "id"\nimport_decimal = ";"\n'
    )
    (tmp_path / "o.csv").write_text("x\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {})
    assert "[abas] import_recordidfld must be one of the import file's fields" in str(caught.value)
    assert "[abas] import_decimal must be one of ., ," in str(caught.value)
