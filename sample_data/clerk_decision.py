"""The demo's clerk: decides one exception in the newest sample-day workbook, then resolves
and applies it, as a clerk would by hand (README, "Deciding exceptions in the workbook").

Snake River Castings (PayTrace customer 70024) paid invoice 400211 of Inland Northwest
Bearings (abas customer 70006), its subsidiary: the clerk assigns the payment to that invoice.
``apply`` posts it (to the demo's import file) and learns the link 70024 -> 70006, which
``paytrace-abas --config config/demo.toml customers --links`` then lists.

Run: python sample_data/clerk_decision.py [OUT_DIR]   (after ``make demo``'s dry run)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

HERE = Path(__file__).parent
CONFIG = HERE.parent / "config" / "demo.toml"
TRANSACTION, INVOICE = "512330611", "400211"
NOTE = "Snake River Castings pays the invoices of its subsidiary Inland Northwest Bearings"


def decide(workbook: Path) -> bool:
    """Type the decision into the Resolution and Note cells; False when the row is not there."""
    book = load_workbook(workbook)
    if "Customer mismatch" not in book.sheetnames:
        return False
    sheet = book["Customer mismatch"]
    header = [cell.value for cell in sheet[1]]
    column = {name: header.index(name) + 1 for name in ("Transaction", "Resolution", "Note")}
    for row in range(2, sheet.max_row + 1):
        if str(sheet.cell(row, column["Transaction"]).value) == TRANSACTION:
            sheet.cell(row, column["Resolution"]).value = f"assign {INVOICE}"
            sheet.cell(row, column["Note"]).value = NOTE
            book.save(workbook)
            return True
    return False


def paytrace_abas(*args: str) -> None:
    command = [sys.executable, "-m", "paytrace_abas", "--config", str(CONFIG), *args]
    print("$ paytrace-abas " + " ".join(args), flush=True)
    subprocess.run(command, check=True)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "out"
    workbooks = sorted(out.glob("reconcile-*.xlsx"), key=lambda path: path.stat().st_mtime)
    if not workbooks or not decide(workbooks[-1]):
        print(f"transaction {TRANSACTION} waits for no decision: nothing to apply")
        return
    workbook = workbooks[-1]
    run_id = workbook.stem.rsplit("-", 1)[-1]
    paytrace_abas("resolve", str(workbook))
    paytrace_abas("apply", str(out / f"plan-{run_id}-resolved.json"))


if __name__ == "__main__":
    main()
