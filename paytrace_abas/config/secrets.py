"""Secrets where a job can get them: environment, a ``NAME_FILE`` file, a systemd credential.

Cron gives a job almost no environment, and a unit file or crontab is no place for a password,
so each secret ``NAME`` is looked up in this order (docs/operations.md):

1. the environment variable ``NAME``;
2. the file named by ``NAME_FILE`` (the container convention); it must belong to the running
   user and be readable by nobody else (0600 or stricter);
3. ``$CREDENTIALS_DIRECTORY/NAME``, where systemd puts ``LoadCredential=`` and
   ``LoadCredentialEncrypted=`` credentials.

A message about a secret names the places tried, never a value.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: Secret name (environment variable) -> field of ``Secrets``.
SECRET_FIELDS: Mapping[str, str] = {
    "PAYTRACE_USERNAME": "paytrace_username",
    "PAYTRACE_PASSWORD": "paytrace_password",
    "PAYTRACE_INTEGRATOR_ID": "paytrace_integrator_id",
    "ABAS_PASSWORD": "abas_password",
    "ABAS_TOKEN": "abas_token",
    "SMTP_PASSWORD": "smtp_password",
}
CREDENTIALS_VAR = "CREDENTIALS_DIRECTORY"


@dataclass(frozen=True)
class Secrets:
    """Credentials for the external systems; never printed (repr hides every value)."""

    paytrace_username: str = field(default="", repr=False)
    paytrace_password: str = field(default="", repr=False)
    paytrace_integrator_id: str = field(default="", repr=False)
    abas_password: str = field(default="", repr=False)
    abas_token: str = field(default="", repr=False)
    smtp_password: str = field(default="", repr=False)
    #: secret name -> where it came from ("environment", "file /run/…", "credential /run/…")
    origins: Mapping[str, str] = field(default_factory=dict)
    #: secret name -> why it could not be read (a NAME_FILE that is missing, too open, …)
    problems: Mapping[str, str] = field(default_factory=dict)
    #: the places looked at for a secret that was not found, for error messages
    tried: Mapping[str, str] = field(default_factory=dict)

    def values(self) -> list[str]:
        """Every non-empty secret, so that log filters can redact them."""
        return [value for name in SECRET_FIELDS.values() if (value := getattr(self, name))]

    def has(self, name: str) -> bool:
        """True when the secret ``name`` (like ``ABAS_PASSWORD``) was found."""
        return bool(getattr(self, SECRET_FIELDS[name]))

    def why_missing(self, name: str) -> str:
        """One sentence saying why ``name`` is not there: a read problem or the places tried."""
        if name in self.problems:
            return self.problems[name]
        return f"{name} is not set (tried {self.tried.get(name, _places(name, {}))})"


def read_secrets(environ: Mapping[str, str]) -> Secrets:
    """Every known secret from ``environ``, its ``*_FILE`` file or the credentials directory."""
    values: dict[str, str] = {}
    origins: dict[str, str] = {}
    problems: dict[str, str] = {}
    tried: dict[str, str] = {}
    for name, attribute in SECRET_FIELDS.items():
        try:
            found = _find(name, environ)
        except _SecretProblem as exc:
            problems[name] = str(exc)
            continue
        if found is None:
            tried[name] = _places(name, environ)
            continue
        values[attribute], origins[name] = found
    return Secrets(**values, origins=origins, problems=problems, tried=tried)


class _SecretProblem(Exception):
    """A secret is named but cannot be used; the message never carries its value."""


def _find(name: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    direct, named_file = environ.get(name, ""), environ.get(f"{name}_FILE", "")
    if direct and named_file:
        raise _SecretProblem(f"both {name} and {name}_FILE are set; set only one of them")
    if direct:
        return direct, "environment"
    if named_file:
        path = Path(named_file)
        _check_private(name, path)
        return _read(name, path, f"{name}_FILE"), f"file {path}"
    credentials = environ.get(CREDENTIALS_VAR, "")
    if credentials:
        path = Path(credentials) / name
        if path.exists():
            return _read(name, path, "the systemd credential"), f"credential {path}"
    return None


def _check_private(name: str, path: Path) -> None:
    """A secret file must be the running user's and closed to group and others."""
    try:
        info = path.stat()
    except OSError as exc:
        raise _SecretProblem(
            f"{name}_FILE names {path}, which cannot be read: {exc.strerror}"
        ) from None
    if info.st_uid != os.getuid():
        raise _SecretProblem(
            f"{name}_FILE names {path}, which belongs to uid {info.st_uid}, not to the running "
            f"user (uid {os.getuid()}); chown it"
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise _SecretProblem(
            f"{name}_FILE names {path}, which is readable by others "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); chmod 600 it"
        )


def _read(name: str, path: Path, where: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise _SecretProblem(f"{name}: {where} {path} cannot be read: {reason}") from None
    # Editors and `echo` end the file with a newline that is no part of the secret.
    value = text.rstrip("\r\n")
    if not value:
        raise _SecretProblem(f"{name}: {where} {path} is empty")
    return value


def _places(name: str, environ: Mapping[str, str]) -> str:
    credentials = environ.get(CREDENTIALS_VAR)
    credential = (
        f"{Path(credentials) / name}" if credentials else f"${CREDENTIALS_VAR}/{name} (not set)"
    )
    return f"environment variable {name}, {name}_FILE, {credential}"
