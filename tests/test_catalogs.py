"""The message catalogs: complete, current, consistent; the German workbook speaks German.

docs/i18n.md says how texts get into the catalogs (``make messages``); these tests fail when a
marked text has no German translation, when a catalog or its compiled ``.mo`` is stale, or when
a German workbook shows an English text of the catalog.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from openpyxl import load_workbook

from paytrace_abas.models import Category
from paytrace_abas.report.catalog import KEYWORDS, LANGUAGES, LOCALE_DIR
from paytrace_abas.report.reasons import placeholders
from tests.fake_paytrace import sample_day_config
from tests.support.cli import run_cli
from tests.support.paths import SAMPLE_DATA

ROOT = Path(__file__).resolve().parent.parent


def _forms(value: Any) -> tuple[str, ...]:
    """A catalog's id or string as a tuple: one text, or the singular and plural forms."""
    return (value,) if isinstance(value, str) else tuple(value or ())


def _key(message_id: Any, context: str | None) -> tuple[str | None, str]:
    return context, _forms(message_id)[0]


def extracted() -> set[tuple[str | None, str]]:
    """Every text the code marks, as ``make messages`` extracts it (babel.cfg, KEYWORDS)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)
    return {_key(message, context) for _, _, message, _, context in found}


def catalog(language: str) -> Catalog:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return read_po(po, locale=language)


def messages(language: str) -> dict[tuple[str | None, str], tuple[str, ...]]:
    """(context, msgid) -> the translations (one per plural form) of a language's catalog."""
    return {_key(m.id, m.context): _forms(m.string) for m in catalog(language) if m.id}


def test_every_marked_text_is_in_every_catalog() -> None:
    marked = extracted()
    assert marked, "nothing extracted: babel.cfg or KEYWORDS do not find the marked texts"
    for language in LANGUAGES:
        in_catalog = set(messages(language))
        assert marked - in_catalog == set(), f"{language}: run `make messages`"
        assert in_catalog - marked == set(), f"{language}: texts no code uses; `make messages`"


def test_every_german_text_is_translated_with_the_same_placeholders() -> None:
    german = catalog("de")
    for message in german:
        if not message.id:
            continue
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        ids, strings = _forms(message.id), _forms(message.string)
        assert all(strings), f"no German for {message.id!r}"
        wanted = set(placeholders(ids[0]))
        for text in strings:
            assert set(placeholders(text)) == wanted, f"{text!r} fills other names than {ids[0]!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogs_are_current(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    shipped = (LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert compiled.getvalue() == shipped, f"{language}: messages.mo is stale; `make messages`"


def english_only() -> tuple[set[str], list[str]]:
    """Texts of the English catalog that German says otherwise: whole labels, and the fixed
    stretches (three words or more) of sentences with placeholders."""
    labels: set[str] = set()
    stretches: list[str] = []
    for (_, singular), strings in messages("de").items():
        if singular in strings:
            continue  # the same word in both languages (Status, Batch)
        labels.add(singular)
        for piece in re.split(r"\{[^}]*\}", singular):
            piece = piece.strip(" ,;.()'")
            if len(piece.split()) >= 3:
                stretches.append(piece)
    return labels, stretches


def german_demo(folder: Path, *extra: str) -> str:
    """The sample day reconciled with ``[report] locale = "de_DE"``; what it printed."""
    config = sample_day_config(folder)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('locale = "en_US"', 'locale = "de_DE"'), encoding="utf-8")
    chargebacks = SAMPLE_DATA / "chargebacks" / "disputes-2026-11-25.csv"
    args = ["--date", "2026-11-25", "--dry-run", "--chargebacks", str(chargebacks)]
    result = run_cli(config, "reconcile", *args, "--out", str(folder), *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_json_keeps_its_codes_and_gives_the_reason_in_german(tmp_path: Path) -> None:
    items = {
        i["transaction_id"]: i
        for i in json.loads(german_demo(tmp_path, "--format", "json"))["items"]
    }
    partial = items["512330366"]
    assert (partial["category"], partial["rule"]) == ("partial_payment", "reference")
    assert partial["reason"] == (
        "Zahlt 2.500,00 auf Rechnung 400170 (offen 5.000,00); 2.500,00 bleiben offen."
    )
    assert set(partial) == {
        "transaction_id", "category", "rule", "invoice_nos", "amount_cents", "discount_cents",
        "posted", "reason",
    }  # fmt: skip


def test_the_german_demo_workbook_has_no_english_text(tmp_path: Path) -> None:
    german_demo(tmp_path)
    labels, stretches = english_only()
    labels -= {category.value for category in Category}  # the Summary's Code column: codes
    german = {s for strings in messages("de").values() for s in strings}
    workbook = load_workbook(next(tmp_path.glob("reconcile-*.xlsx")))
    english = []
    for sheet in workbook.worksheets:
        assert sheet.title in german, f"sheet {sheet.title!r} is no German catalog text"
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str) and (
                    value in labels or any(piece in value for piece in stretches)
                ):
                    english.append(f"{sheet.title}: {value}")
    assert english == []
    # every label comes from the catalog: the first row of every sheet (title or headers)
    for sheet in workbook.worksheets:
        first = [cell.value for cell in sheet[1] if isinstance(cell.value, str)]
        assert set(first) <= german, f"{sheet.title}: {set(first) - german}"
    assert "Begründung" in {c.value for c in workbook["Teilzahlungen"][1]}
