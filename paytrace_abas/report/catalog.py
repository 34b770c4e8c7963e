"""The message catalogs: every text a clerk reads, looked up in her language (docs/i18n.md).

Texts are English in the code, marked with ``N_`` (or ``NC_`` where one English word needs two
translations), and translated in ``paytrace_abas/locale/<language>/LC_MESSAGES/messages.po``.
``make messages`` extracts the marked texts with babel and updates and compiles the catalogs;
the compiled ``.mo`` files are part of the package, so an installed copy and a fresh clone read
them without a build step.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("en", "de")
#: The markers babel extracts (``make messages`` and the catalog test use these).
KEYWORDS = {"N_": None, "NC_": ((1, "c"), 2), "NP_": (1, 2)}


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Mark ``message`` for extraction; it is translated where it is shown (``translate``)."""
    return message


def NC_(context: str, message: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Mark ``message`` with a ``context`` (one English word, two meanings) for extraction."""
    return f"{context}\x04{message}"


def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - gettext's marker name
    """Mark a message with a plural form for extraction (``translate_plural``)."""
    return singular, plural


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language``; English texts are their own translation."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


def translate(message: str, language: str) -> str:
    """``message`` (as marked by ``N_`` or ``NC_``) in ``language``."""
    context, separator, text = message.rpartition("\x04")
    if separator:
        return _catalog(language).pgettext(context, text)
    return _catalog(language).gettext(message)


def translator(language: str) -> Callable[[str], str]:
    """``translate`` bound to ``language``: for code that words texts but must not import the
    report (the alerts)."""
    return partial(translate, language=language)


def translate_plural(singular: str, plural: str, count: int, language: str) -> str:
    """The singular or plural form of a message for ``count``, in ``language``."""
    return _catalog(language).ngettext(singular, plural, count)
