"""Reading a big abas table while others change it: nothing present throughout is lost or
read twice (docs/abas.md, "Reading a table").

Pages overlap by one record; a page counts only when its first record was read already,
otherwise the read steps back. Over loopback HTTP against the fake abas, whose data changes
between two page requests as another abas user's would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from paytrace_abas.abas.client import AbasClient
from paytrace_abas.abas.paging import MAX_STEP_BACKS, Reading
from paytrace_abas.abas.source import fetch_customers, fetch_open_items
from paytrace_abas.config import AbasSettings, Secrets
from paytrace_abas.errors import SourceError
from tests.fake_abas import OPEN_ITEMS_TABLE, FakeAbas, FakeAbasState, fill_open_items
from tests.support.waiting import wait_until

PAGE = 5


def test_a_connected_page_gives_its_new_records_and_moves_on_by_all_but_one() -> None:
    reading = Reading(page_size=3, call="GET /obj/data/160:1")
    assert reading.take(["a", "b", "c"]) == ([0, 1, 2], True)
    assert reading.offset == 2  # the next page starts at "c"
    assert reading.take(["c", "d", "e"]) == ([1, 2], True)
    assert reading.offset == 4
    assert reading.take(["a", "e", "f"]) == ([2], True)  # shifted right: "a" read already
    assert reading.take(["f"]) == ([], False)  # short: the last page
    assert reading.offset == 6


def test_a_page_whose_first_record_is_new_steps_back_and_takes_nothing() -> None:
    reading = Reading(page_size=3, call="GET /obj/data/160:1")
    reading.take(["a", "b", "c"])
    reading.take(["c", "d", "e"])
    assert reading.take(["f", "g"]) == ([], True)  # "e" and before moved left past offset 4
    assert reading.offset == 2
    assert reading.take(["e", "f", "g"]) == ([1, 2], True)
    assert reading.offset == 4


def test_an_empty_page_where_a_record_was_is_not_the_end() -> None:
    reading = Reading(page_size=2, call="GET /obj/data/160:1")
    reading.take(["a", "b"])
    assert reading.take([]) == ([], True)
    assert reading.offset == 0


def test_pages_of_one_record_cannot_overlap() -> None:
    with pytest.raises(ValueError, match="cannot overlap"):
        Reading(page_size=1, call="GET /obj/data/160:1")


def _settings(fake: FakeAbas) -> AbasSettings:
    return AbasSettings(
        source="api",
        base_url=f"{fake.base_url}/mw",
        client="test",
        open_items_table=OPEN_ITEMS_TABLE,
        page_size=PAGE,
        backoff_seconds=0.001,
    )


def _read(fake: FakeAbas) -> list[str]:
    client = AbasClient(_settings(fake), Secrets(abas_password="sy"))
    try:
        return fetch_open_items(client, OPEN_ITEMS_TABLE)["invoice_no"].tolist()
    finally:
        client.close()


def _run_with(
    change: Callable[[FakeAbasState], None], at_offset: int
) -> tuple[list[str], list[str], list[int]]:
    """The open items before, those read, and the offsets asked, when ``change`` happens once
    as the page at ``at_offset`` (or further) is first asked for."""
    with FakeAbas() as fake:
        fill_open_items(fake.state, 30)
        before = list(fake.state.open_items)
        done: list[bool] = []

        def before_query(query: dict[str, str]) -> None:
            if int(query.get("offset", "0")) >= at_offset and not done:
                done.append(True)
                change(fake.state)

        fake.state.before_query = before_query
        read = _read(fake)
        offsets = [int(r.query["offset"]) for r in fake.state.requests if "offset" in r.query]
    return before, read, offsets


def test_records_filed_away_in_front_of_the_read_lose_no_record_behind_them() -> None:
    before, read, offsets = _run_with(
        lambda state: state.remove_open_items(["400001", "400002", "400003"]), at_offset=8
    )
    assert sorted(read) == sorted(before)  # the three were read before they went; none missed
    assert len(read) == len(set(read))
    assert offsets[:4] == [0, 4, 8, 4]  # the page at 8 was not connected: one step back


def test_records_added_in_front_of_the_read_repeat_no_record() -> None:
    def add_three(state: FakeAbasState) -> None:
        for n in range(3):
            state.insert_open_item(
                1, nummer=f"39999{n}", waehr="USD", ofbetr=100, **{"kunde^nummer": "K1"}
            )

    before, read, _ = _run_with(add_three, at_offset=8)
    assert read == before  # each once (no "appears twice"), the new ones were behind the read


def test_records_added_and_removed_in_front_at_once_still_read_each_once() -> None:
    def swap(state: FakeAbasState) -> None:
        state.remove_open_items(["400002"])
        state.insert_open_item(0, nummer="399999", waehr="USD", ofbetr=1, **{"kunde^nummer": "K"})

    before, read, _ = _run_with(swap, at_offset=12)
    assert sorted(read) == sorted(before)


def test_a_table_changing_faster_than_it_is_read_fails_in_one_line() -> None:
    with FakeAbas() as fake:
        fill_open_items(fake.state, 200)
        state = fake.state

        def file_four_away(query: dict[str, str]) -> None:
            if query.get("offset", "0") != "0":
                state.remove_open_items(list(state.open_items)[:4])

        state.before_query = file_four_away
        with pytest.raises(SourceError) as failure:
            _read(fake)
    message = str(failure.value)
    assert message.startswith("abas GET /obj/data/160:1: the selection kept changing")
    assert f"{MAX_STEP_BACKS} times" in message and "\n" not in message


def test_customers_are_read_once_each_across_overlapping_pages() -> None:
    with FakeAbas() as fake:
        fake.state.customers = [
            {"nummer": f"K{n:03d}", "namebspr": f"Kunde {n}", "id": f"({n},0,0)"} for n in range(12)
        ]
        client = AbasClient(_settings(fake), Secrets(abas_password="sy"))
        customers = fetch_customers(client)
        client.close()
    assert customers["customer_no"].tolist() == [f"K{n:03d}" for n in range(12)]


def test_a_read_without_changes_asks_each_record_once_plus_the_overlap() -> None:
    with FakeAbas() as fake:
        fill_open_items(fake.state, 30)
        read = _read(fake)
        offsets = [int(r.query["offset"]) for r in fake.state.requests if "offset" in r.query]
    assert read == [str(400000 + n) for n in range(30)]
    assert offsets == [0, 4, 8, 12, 16, 20, 24, 28]


def test_a_wrong_value_on_a_later_page_is_named_and_the_page_thread_ends() -> None:
    with FakeAbas() as fake:
        fill_open_items(fake.state, 30)
        fake.state.open_items["400012"]["waehr"] = "EURO"
        with pytest.raises(SourceError) as failure:
            _read(fake)
    assert str(failure.value).startswith("abas 160:1 record (")
    assert "field waehr (currency): 'EURO' is not a 3-letter currency code" in str(failure.value)
    wait_until(
        lambda: not any(t.name == "abas-page" for t in threading.enumerate()),
        "the page thread to end",
    )
