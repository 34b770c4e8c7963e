"""A big day matched in several processes gives exactly the result of one process."""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching import match_payments, parallel, shards
from paytrace_abas.matching.book import (
    build_book,
    build_payments,
    index_invoices,
    reference_texts,
)
from paytrace_abas.matching.decisions import Decisions
from paytrace_abas.matching.reference_pass import named_tokens, scan_references

from .matching_frames import item, open_items_frame, payment, payments_frame
from .test_matching_properties import days

# Two processes work on one core too (they take turns): only fork, i.e. Linux, is needed.
FORKS_A_CHILD = pytest.mark.skipif(
    sys.platform != "linux", reason="a second process is forked, which needs Linux"
)
SETTINGS = MatchingSettings(invoice_pattern=r"4\d{5}")


def _both_ways(
    pays: pd.DataFrame, items: pd.DataFrame, config: MatchingSettings, **ledger: Any
) -> Any:
    alone = match_payments(pays, items, dataclasses.replace(config, workers=1), **ledger)
    # As on a machine with two usable cores, whatever this one has free right now.
    with (
        mock.patch.object(parallel, "PARALLEL_FROM", 0),
        mock.patch.object(parallel.os, "sched_getaffinity", lambda pid: {0, 1}),
    ):
        assert parallel.usable_workers(2, len(pays)) == 2  # really in two processes
        shared = match_payments(pays, items, dataclasses.replace(config, workers=2), **ledger)
    return alone, shared


@FORKS_A_CHILD
@settings(max_examples=40, deadline=None)
@given(days(), st.dictionaries(st.sampled_from(["400000", "400001"]), st.just("t-old")))
def test_several_processes_decide_like_one(day: Any, paid_before: dict[str, str]) -> None:
    items, pays, config = day
    frames = payments_frame(pays), open_items_frame(items)
    alone, shared = _both_ways(*frames, config, paid_before=paid_before)
    pd.testing.assert_frame_equal(alone, shared)


@FORKS_A_CHILD
def test_a_generated_day_comes_out_the_same_in_two_processes() -> None:
    dataset = _bench_module("_matching_dataset")
    pays, items = dataset.generate(20_000, seed=7)
    config = MatchingSettings(invoice_pattern=r"\d{8}")
    alone, shared = _both_ways(pays, items, config)
    pd.testing.assert_frame_equal(alone, shared)
    assert (alone["category"] == "matched").mean() > 0.5  # a real day, not an empty one


def _bench_module(name: str) -> Any:
    path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_payment_naming_another_customers_invoice_keeps_both_customers_together() -> None:
    items = open_items_frame(
        [
            item("400001", "70001", 10_000),
            item("400002", "70002", 20_000),
            item("400003", "70003", 30_000),
            item("400004", "70004", 40_000),
        ]
    )
    pays = payments_frame(
        [
            payment("t1", 20_000, ref="RE-400002", customer="70001"),  # links 70001 and 70002
            payment("t2", 10_000, customer="70001"),
            payment("t3", 30_000, customer="70003"),
            payment("t4", 40_000, customer="70004"),
            payment("t5", 5_000, ref="RE-400004", customer="99999"),  # payer unknown to abas
            payment("t6", 1_000, customer="99999"),  # no invoice, no known payer: alone
        ]
    )
    share = _shares(pays, items, count=2)
    assert share["t1"] == share["t2"]
    assert share["t4"] == share["t5"]
    assert set(share.values()) == {0, 1}


def _shares(pays: pd.DataFrame, items: pd.DataFrame, count: int) -> dict[str, int]:
    book = build_book(items, SETTINGS)
    prepared = build_payments(pays, book, SETTINGS)
    decisions = Decisions(len(prepared))
    index = index_invoices(items, SETTINGS)
    scanned = scan_references(reference_texts(pays, SETTINGS), index, SETTINGS, {})
    tokens = named_tokens(scanned, prepared, decisions)
    pending = np.flatnonzero(decisions.pending())
    numbers = shards.shares(prepared, book, tokens, pending, count)
    return dict(zip(prepared.transaction_id[pending].tolist(), numbers.tolist(), strict=True))


def test_a_chain_of_linked_customers_is_one_group() -> None:
    # 0-1, 2-3, 1-2 and 5-6: one group {0, 1, 2, 3}, 4 alone, one group {5, 6}
    left = np.array([0, 2, 1, 5], dtype=np.int64)
    right = np.array([1, 3, 2, 6], dtype=np.int64)
    assert shards._components(7, left, right).tolist() == [0, 0, 0, 0, 4, 5, 5]


def test_small_days_and_one_worker_stay_in_one_process() -> None:
    assert parallel.usable_workers(2, parallel.PARALLEL_FROM - 1) == 1
    assert parallel.usable_workers(1, 10 * parallel.PARALLEL_FROM) == 1


@FORKS_A_CHILD
def test_a_child_that_fails_has_its_work_done_in_the_parent() -> None:
    parent = os.getpid()

    def compute() -> int:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return 42

    assert parallel.Background(compute, forked=True).result() == 42


@FORKS_A_CHILD
def test_a_killed_child_has_its_work_done_in_the_parent(caplog: Any) -> None:
    parent = os.getpid()

    def compute() -> str:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        return "done here"

    with caplog.at_level(logging.WARNING, logger="paytrace_abas.matching.parallel"):
        assert parallel.Background(compute, forked=True).result() == "done here"
    assert "exit code -9" in caplog.text


@FORKS_A_CHILD
def test_an_error_in_the_work_itself_is_raised_in_the_parent() -> None:
    def compute() -> int:
        raise ValueError("open items must have unique invoice numbers")

    with pytest.raises(ValueError, match="unique invoice numbers"):
        parallel.Background(compute, forked=True).result()


@FORKS_A_CHILD
def test_the_child_result_comes_from_the_child() -> None:
    def compute() -> int:
        return os.getpid()

    assert parallel.Background(compute, forked=True).result() != os.getpid()


@FORKS_A_CHILD
def test_output_buffered_before_the_fork_is_printed_once() -> None:
    script = (
        "from paytrace_abas.matching.parallel import Background\n"
        "print('line before the child', end='')\n"
        "Background(lambda: 1, forked=True).result()\n"
    )
    # stdout is a pipe here, as under cron: block-buffered, so the text waits in the buffer
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout == "line before the child"
