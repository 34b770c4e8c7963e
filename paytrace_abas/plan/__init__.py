"""The plan: the postings a run would make, its re-check, and the clerk's resolutions."""


def N_(message: str) -> str:  # noqa: N802 - the gettext marker make messages extracts
    """Mark an English template for the message catalogs (docs/i18n.md): the plan words its
    reasons and errors in English; a command words them in the clerk's language."""
    return message
