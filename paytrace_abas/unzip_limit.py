"""A limit on what an .xlsx workbook (a zip archive) unpacks to, checked before it is opened.

A few hundred kilobytes of zip can inflate to gigabytes (a zip bomb); openpyxl and pandas would
hold it all in memory. The sizes the archive declares bound what ``zipfile`` will inflate.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from paytrace_abas.errors import InputFileError


def check_unpacked_size(path: Path, limit: int, setting: str) -> None:
    """InputFileError when ``path`` is no zip archive or unpacks to more than ``limit`` bytes."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputFileError(f"{path} is not a readable .xlsx workbook: {exc}") from None
    if unpacked > limit:
        raise InputFileError(
            f"{path} unpacks to {unpacked:,} bytes, more than {setting} ({limit:,}); "
            "it is refused unopened"
        )
