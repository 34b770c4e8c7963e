"""Secrets from the environment, NAME_FILE files and systemd credentials; never a value shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from paytrace_abas.config.secrets import read_secrets

VALUE = "s3cr3t-Value!"


def private_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_environment_first_then_file_then_credential(tmp_path: Path) -> None:
    credentials = tmp_path / "creds"
    credentials.mkdir()
    private_file(credentials / "ABAS_PASSWORD", "from-credential\n", 0o400)
    private_file(credentials / "SMTP_PASSWORD", "unused\n")
    environ = {
        "PAYTRACE_USERNAME": "from-env",
        "PAYTRACE_PASSWORD_FILE": str(private_file(tmp_path / "pw", VALUE + "\n")),
        "SMTP_PASSWORD": "env-wins",
        "CREDENTIALS_DIRECTORY": str(credentials),
    }
    secrets = read_secrets(environ)
    assert (secrets.paytrace_username, secrets.paytrace_password) == ("from-env", VALUE)
    assert (secrets.abas_password, secrets.smtp_password) == ("from-credential", "env-wins")
    assert dict(secrets.origins) == {
        "PAYTRACE_USERNAME": "environment",
        "PAYTRACE_PASSWORD": f"file {tmp_path / 'pw'}",
        "ABAS_PASSWORD": f"credential {credentials / 'ABAS_PASSWORD'}",
        "SMTP_PASSWORD": "environment",
    }
    assert secrets.problems == {}
    assert VALUE not in repr(secrets)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o666])
def test_a_secret_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = private_file(tmp_path / "pw", VALUE, mode)
    secrets = read_secrets({"PAYTRACE_PASSWORD_FILE": str(path)})
    assert secrets.paytrace_password == ""
    assert secrets.problems["PAYTRACE_PASSWORD"] == (
        f"PAYTRACE_PASSWORD_FILE names {path}, which is readable by others "
        f"(mode {mode:04o}); chmod 600 it"
    )


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a file to another user")
def test_a_secret_file_of_another_user_is_refused(tmp_path: Path) -> None:
    path = private_file(tmp_path / "pw", VALUE)
    os.chown(path, 65534, -1)
    problem = read_secrets({"ABAS_PASSWORD_FILE": str(path)}).problems["ABAS_PASSWORD"]
    assert problem == (
        f"ABAS_PASSWORD_FILE names {path}, which belongs to uid 65534, not to the running user "
        "(uid 0); chown it"
    )


def test_missing_empty_and_doubly_set_secrets_are_named_without_values(tmp_path: Path) -> None:
    empty = private_file(tmp_path / "empty", "\n")
    secrets = read_secrets(
        {
            "PAYTRACE_PASSWORD_FILE": str(tmp_path / "nope"),
            "ABAS_PASSWORD_FILE": str(empty),
            "SMTP_PASSWORD": VALUE,
            "SMTP_PASSWORD_FILE": str(empty),
        }
    )
    assert dict(secrets.problems) == {
        "PAYTRACE_PASSWORD": f"PAYTRACE_PASSWORD_FILE names {tmp_path / 'nope'}, which cannot "
        "be read: No such file or directory",
        "ABAS_PASSWORD": f"ABAS_PASSWORD: ABAS_PASSWORD_FILE {empty} is empty",
        "SMTP_PASSWORD": "both SMTP_PASSWORD and SMTP_PASSWORD_FILE are set; set only one of them",
    }
    assert secrets.why_missing("PAYTRACE_USERNAME") == (
        "PAYTRACE_USERNAME is not set (tried environment variable PAYTRACE_USERNAME, "
        "PAYTRACE_USERNAME_FILE, $CREDENTIALS_DIRECTORY/PAYTRACE_USERNAME (not set))"
    )
    assert VALUE not in str(secrets.problems)
