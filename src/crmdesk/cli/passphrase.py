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


def read_passphrase(*, confirm: bool) -> str:
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
    first = getpass.getpass("Passphrase: ")
    if confirm:
        check_new_passphrase(first)
        if getpass.getpass("Passphrase again: ") != first:
            raise ValidationError("The two passphrases differ; nothing was created.")
    return first


def check_new_passphrase(text: str) -> None:
    """Refuse passphrases too short to protect customer data."""
    if len(text) < MIN_LENGTH:
        raise ValidationError(
            f"A passphrase needs at least {MIN_LENGTH} characters; a few words work well."
        )
