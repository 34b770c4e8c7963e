"""check-config contacts abas: login, tables (with their ids), one page of each table."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from paytrace_abas.cli import cli
from tests.fake_abas import FakeAbas
from tests.support.abas_data import load_export
from tests.support.days import write_day
from tests.support.paths import SAMPLE_DATA

ABAS_STEPS = ("abas login", "abas tables", "abas open items", "abas customers")


def _check(config: Path, env: dict[str, str]) -> tuple[int, list[str], list[str]]:
    """Exit code, and the lines of the abas steps on stdout (ok) and on stderr (failed)."""
    result = CliRunner().invoke(cli, ["--config", str(config), "check-config"], env=env)

    def abas(lines: list[str]) -> list[str]:
        return [line for line in lines if line.removeprefix("error: ").startswith(ABAS_STEPS)]

    return result.exit_code, abas(result.stdout.splitlines()), abas(result.stderr.splitlines())


def test_check_config_logs_in_resolves_the_tables_and_reads_a_page_of_each(
    tmp_path: Path,
) -> None:
    with FakeAbas() as fake:
        load_export(fake.state, SAMPLE_DATA / "abas_open_items.csv")
        fake.state.customers = [{"nummer": "70001", "namebspr": "Cascade Hydraulics Inc."}]
        day = write_day(tmp_path, 1, sink="api", source="api", base_url=fake.base_url)
        code, out, err = _check(day.config, {"ABAS_PASSWORD": "sy"})
        limits = {r.query.get("limit") for r in fake.state.requests if "obj/data" in r.path}
    assert (code, err) == (0, [])
    assert out == [
        f"abas login: ok ({fake.base_url}/mw/r/test accepted the credentials)",
        "abas tables: ok (open items 160:1 (found via /obj/meta), customers 0:1, receipts 102:4)",
        "abas open items: ok (20 read from 160:1 (first page))",
        "abas customers: ok (1 read from 0:1 (first page))",
    ]
    assert limits == {"20"}  # one page each, never the whole table
    assert fake.state.logouts == 1


def test_check_config_fails_in_one_line_naming_abas_and_the_step(tmp_path: Path) -> None:
    with FakeAbas() as fake:
        day = write_day(tmp_path, 1, sink="api", source="api", base_url=fake.base_url)
        code, out, err = _check(day.config, {"ABAS_PASSWORD": "wrong-password"})
        missing_code, _, missing = _check(day.config, {"PATH": ""})
    assert (code, out) == (1, [])
    assert err == [
        "error: abas login: FAILED (abas GET /r/test: abas refused the credentials or access "
        "(AUTHENTICATION_FAILURE: wrong password); check ABAS_PASSWORD / ABAS_TOKEN and the "
        "user's rights)",
    ]
    assert "wrong-password" not in "\n".join(out + err)
    assert missing_code == 1
    assert missing == [
        'error: abas login: FAILED (not tried: abas: [abas] source = "api" needs ABAS_PASSWORD '
        "or ABAS_TOKEN (environment, NAME_FILE or $CREDENTIALS_DIRECTORY))"
    ]


def test_check_config_names_a_missing_open_items_table(tmp_path: Path) -> None:
    with FakeAbas() as fake:
        day = write_day(
            tmp_path, 1, sink="api", source="api", base_url=fake.base_url,
            abas_extra='open_items_table = "999:9"',
        )  # fmt: skip
        code, out, err = _check(day.config, {"ABAS_PASSWORD": "sy"})
    assert code == 1
    assert out[-1] == (
        "abas tables: ok (open items 999:9 (configured), customers 0:1, receipts 102:4)"
    )
    assert err == [
        "error: abas open items: FAILED (abas GET /obj/data/999:9: MISSING_OBJECT "
        "(Tabelle 999:9 unbekannt))",
    ]
