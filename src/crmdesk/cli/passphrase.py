"""Getting the passphrase: ``CRMDESK_PASSPHRASE`` for scripts, else a prompt."""

from __future__ import annotations

import getpass
import os
import sys

from crmdesk.errors import CrmdeskError, ValidationError

MIN_LENGTH = 8


class NoPassphrase(CrmdeskError):
    """No terminal to ask on and no ``CRMDESK_PASSPHRASE``."""

    exit_code = 13


def read_passphrase(*, confirm: bool, prompt: str = "Passphrase: ") -> str:
    """The passphrase from the environment or typed (twice when ``confirm``)."""
    env = os.environ.get("CRMDESK_PASSPHRASE")
    if env is not None:
        if not env:
            raise ValidationError("CRMDESK_PASSPHRASE is set but empty.")
        if confirm:
            check_new_passphrase(env)
        return env
    if not sys.stdin.isatty():
        raise NoPassphrase(
            "No passphrase: run crmdesk in a terminal, or set CRMDESK_PASSPHRASE for scripts."
        )
    if confirm:
        return _typed_twice(prompt)
    return getpass.getpass(prompt)


def read_new_passphrase(*, from_stdin: bool) -> str:
    """A new passphrase: the first line of standard input (scripts), else typed twice."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ValidationError("No new passphrase on standard input; nothing was changed.")
        check_new_passphrase(line)
        return line
    if not sys.stdin.isatty():
        raise NoPassphrase(
            "No new passphrase: run crmdesk in a terminal, or give it with --new-passphrase-stdin."
        )
    return _typed_twice("New passphrase: ")


def read_recovery_code() -> str:
    """The recovery code: the first line of standard input when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    return getpass.getpass("Recovery code (8 groups of 5 letters and digits): ")


def _typed_twice(prompt: str) -> str:
    first = getpass.getpass(prompt)
    check_new_passphrase(first)
    if getpass.getpass(prompt.replace(":", " again:", 1)) != first:
        raise ValidationError("The two passphrases differ; nothing was changed.")
    return first


def check_new_passphrase(text: str) -> None:
    """Refuse passphrases too short to protect customer data."""
    if len(text) < MIN_LENGTH:
        raise ValidationError(
            f"A passphrase needs at least {MIN_LENGTH} characters; a few words work well."
        )
