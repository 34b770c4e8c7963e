"""The folder a command writes its workbook and plan into, checked before any work is done."""

from __future__ import annotations

import os
from pathlib import Path

from paytrace_abas.errors import UsageError


def prepare_out_dir(path: Path) -> None:
    """Create ``path`` if needed; UsageError when it cannot be created or written to."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"output folder {path} cannot be created: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"output folder {path} is not writable")
