"""The sample day's settlement: three batches (numbers wrap: 998, 999, then 1) and the deposit
account's camt.053 statement. Called by generate.py; each figure is written from the scenario,
not from the program's output (docs/settlement.md).

- batch 998: PayTrace's summary counts a refund of 25.00 that its transaction list does not
  hold -> batch_mismatch; its deposit (2.9 % fee, no reference) is paired by amount.
- batch 999: no deposit by 2026-11-30, the statement's last day -> deposit_missing.
- batch 1: deposited with a 5 % fee under the reference "PAYTRACE BATCH 1" -> fee_out_of_band.
- a customer's wire of 25,000.00 on 2026-11-26 pays no batch -> deposit_unmatched.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

DAY = "11/25/2026"
CLOSES = {998: "11:02:10 AM", 999: "3:31:44 PM", 1: "8:00:12 PM"}
LATE_REFUND = Decimal("25.00")
NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def write_settlement(here: Path, transactions: list[dict[str, Any]]) -> dict[int, Decimal]:
    """Write the batches file and the statement; returns each batch's net."""
    settled = sorted(
        (t for t in transactions if str(t.get("settled", "")).startswith(DAY)),
        key=lambda t: int(t["transaction_id"]),
    )
    third = len(settled) // 3
    groups = {998: settled[:third], 999: settled[third : 2 * third], 1: settled[2 * third :]}
    batches = [_batch(number, records) for number, records in groups.items()]
    body = {"success": True, "response_code": 1,
            "status_message": "Your request has been successfully completed.",
            "batches": batches}
    text = json.dumps(body, indent=2, default=lambda d: f"@@{d}@@")
    text = re.sub(r'"@@(-?[0-9.]+)@@"', r"\1", text)
    (here / "paytrace_batches-2026-11-25.json").write_text(text + "\n", encoding="utf-8")
    nets = {number: _net(records) for number, records in groups.items()}
    (here / "deposits-2026-11.camt053.xml").write_text(_statement(nets), encoding="utf-8")
    return nets


def _sums(records: list[dict[str, Any]]) -> tuple[Decimal, Decimal]:
    sales = sum((Decimal(str(t["amount"])) for t in records
                 if t["transaction_type"] in ("SALE", "CAPTURE")), Decimal(0))
    refunds = sum((abs(Decimal(str(t["amount"]))) for t in records
                   if t["transaction_type"] == "REFUND"), Decimal(0))
    return sales, refunds


def _net(records: list[dict[str, Any]]) -> Decimal:
    sales, refunds = _sums(records)
    return sales - refunds


def _batch(number: int, records: list[dict[str, Any]]) -> dict[str, Any]:
    sales, refunds = _sums(records)
    if number == 998:
        refunds += LATE_REFUND  # the summary counts a refund its list does not hold
    return {
        "number": number,
        "settled": f"{DAY} {CLOSES[number]}",
        "transaction_count": len(records),
        "sales_amount": sales,
        "refund_amount": refunds,
        "net_amount": sales - refunds,
        "transactions": records,
    }


def _less_fee(net: Decimal, percent: str) -> Decimal:
    fee = (net * Decimal(percent) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return net - fee


def _statement(nets: dict[int, Decimal]) -> str:
    entries = [
        ("2026-11-26", _less_fee(nets[998], "2.9"), "CRDT", "", "CARD SETTLEMENT PAYTRACE"),
        ("2026-11-26", Decimal("25000.00"), "CRDT", "WIRE CASCADE HYDRAULICS INV 400199", ""),
        ("2026-11-26", Decimal("15.00"), "DBIT", "ACCOUNT MAINTENANCE FEE", ""),
        ("2026-11-27", _less_fee(nets[1], "5.0"), "CRDT", "PAYTRACE BATCH 1 SETTLEMENT", ""),
    ]
    rows = "".join(_entry(n, *entry) for n, entry in enumerate(entries, start=1))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NAMESPACE}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-2026-11-30</MsgId><CreDtTm>2026-11-30T23:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>2026-11-30-01</Id>
      <Acct><Id><Othr><Id>000123456789</Id></Othr></Id><Ccy>USD</Ccy></Acct>
      <FrToDt><FrDtTm>2026-11-26T00:00:00</FrDtTm><ToDtTm>2026-11-30T23:59:59</ToDtTm></FrToDt>
{rows}    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def _entry(number: int, day: str, amount: Decimal, sign: str, text: str, extra: str) -> str:
    remittance = f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf>" if text else ""
    info = f"<AddtlNtryInf>{extra}</AddtlNtryInf>" if extra else ""
    return f"""      <Ntry>
        <NtryRef>{number}</NtryRef>
        <Amt Ccy="USD">{amount}</Amt>
        <CdtDbtInd>{sign}</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>BK{day.replace("-", "")}{number:04d}</AcctSvcrRef>
        <BkTxCd><Prtry><Cd>CREDIT</Cd></Prtry></BkTxCd>
        <NtryDtls><TxDtls>{remittance}</TxDtls></NtryDtls>
        {info}
      </Ntry>
"""
