"""The customer master from a file (``[abas] customers_file``): the same frame as from abas."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from paytrace_abas.abas.files import read_customers_file
from paytrace_abas.abas.normalize import customers_frame
from paytrace_abas.commands.inputs import load_abas_inputs
from paytrace_abas.config import load_settings
from paytrace_abas.errors import InputFileError
from paytrace_abas.models import CUSTOMER_COLUMNS
from tests.conftest import DEMO_CONFIG


def test_a_customers_file_gives_the_canonical_frame(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "\ufeffcustomer_no;name;street;zip;city;country;email\n"
        "70001;Cascade Hydraulics Inc.;1 Main St;99201;Spokane;US;ap@cascade.example\n"
        "70002;Blue Mountain Machining LLC;;;;;\n",
        encoding="utf-8",
    )
    frame = customers_frame(read_customers_file(path))
    assert list(frame.columns) == CUSTOMER_COLUMNS
    assert frame.to_dict("records") == [
        {"customer_no": "70001", "name": "Cascade Hydraulics Inc.", "street": "1 Main St",
         "zip": "99201", "city": "Spokane", "country": "US", "email": "ap@cascade.example",
         "source_line": f"{path} line 2"},
        {"customer_no": "70002", "name": "Blue Mountain Machining LLC", "street": "", "zip": "",
         "city": "", "country": "", "email": "", "source_line": f"{path} line 3"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name;city\nACME;Spokane\n", r"line 1: missing column\(s\) customer_no"),
        ("customer_no;name\n;ACME\n", "line 2, column customer_no: value is missing"),
        ("customer_no;name\n7;A\n7;B\n", "line 3: customer 7 appears twice"),
    ],
)
def test_a_broken_customers_file_names_file_line_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        customers_frame(read_customers_file(path))


def test_a_run_loads_the_customers_file_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("customer_no;name\n70001;Cascade Hydraulics Inc.\n", encoding="utf-8")
    settings = load_settings(DEMO_CONFIG, {})
    # the demo names the sample day's customer master: left out here
    _, none = load_abas_inputs(replace(settings, abas=replace(settings.abas, customers_file=None)))
    given = replace(settings, abas=replace(settings.abas, customers_file=path))
    _, customers = load_abas_inputs(given)
    assert none.empty and list(none.columns) == CUSTOMER_COLUMNS
    assert customers[["customer_no", "name"]].to_dict("records") == [
        {"customer_no": "70001", "name": "Cascade Hydraulics Inc."}
    ]
