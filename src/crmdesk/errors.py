"""Errors the user can understand, each with a distinct exit code.

Anything raised that is not a :class:`CrmdeskError` is a bug: the CLI and GUI
log it with a traceback to the log file and show a short apology instead.
"""

from __future__ import annotations


class CrmdeskError(Exception):
    """A known problem that is explained to the user in one sentence."""

    exit_code = 1


class ValidationError(CrmdeskError):
    """Input that breaks a rule (bad e-mail, unknown stage, negative amount...)."""

    exit_code = 10

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(CrmdeskError):
    """A record the user referred to does not exist (or is in the trash)."""

    exit_code = 11


class Ambiguous(CrmdeskError):
    """A reference matched several records; the candidates are listed."""

    exit_code = 12

    def __init__(self, message: str, candidates: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.candidates = candidates


class DatabaseMissing(CrmdeskError):
    """The database file does not exist."""

    exit_code = 3


class WrongPassphrase(CrmdeskError):
    """The passphrase does not unlock the database."""

    exit_code = 4


class NotADatabase(CrmdeskError):
    """The file is not a crmdesk database (or is damaged)."""

    exit_code = 5


class DatabaseTooNew(CrmdeskError):
    """The database was written by a newer crmdesk than this one."""

    exit_code = 6


class DatabaseBusy(CrmdeskError):
    """Another program held the database for longer than the busy timeout."""

    exit_code = 7


class DatabaseExists(CrmdeskError):
    """``init`` was asked to create a database where one already is."""

    exit_code = 8


class InsecureCipher(CrmdeskError):
    """The database opened, but with cipher settings weaker than SQLCipher 4's."""

    exit_code = 9


class ExportError(CrmdeskError):
    """An export could not be written (file exists, encoding, disk); nothing was left behind."""

    exit_code = 15


class UnreadableFile(CrmdeskError):
    """A file to import is missing, empty, or not in a format crmdesk reads."""

    exit_code = 16


class Cancelled(CrmdeskError):
    """The user cancelled a long job; nothing of it was kept."""

    exit_code = 17


class SyncError(CrmdeskError):
    """Sync with the server failed (unreachable, refused, or the server said no)."""

    exit_code = 20


class SyncLoginRequired(SyncError):
    """The server wants a (new) login, or refused the one given."""

    exit_code = 21

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class SyncCancelled(SyncError):
    """The user cancelled a sync; every page applied so far is kept."""

    exit_code = 22


class PermissionDenied(CrmdeskError):
    """The acting user's role does not allow this action."""

    exit_code = 40


class KeyFileMissing(CrmdeskError):
    """The key file beside the database is not there (a backup holds a copy)."""

    exit_code = 30


class KeyFileDamaged(CrmdeskError):
    """The key file is unreadable, of an unknown version, or of another database."""

    exit_code = 31


class UnlockThrottled(CrmdeskError):
    """Too many wrong passphrases in a row: the next try must wait a while."""

    exit_code = 32

    def __init__(self, message: str, wait_seconds: int) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class WrongRecoveryCode(CrmdeskError):
    """The recovery code is mistyped, wrong, or the database has none."""

    exit_code = 33


class BackupRejected(CrmdeskError):
    """A backup failed its checks before a restore; nothing was replaced."""

    exit_code = 34


class AuditChainBroken(CrmdeskError):
    """The audit trail's hash chain is broken: an entry was edited, inserted or removed."""

    exit_code = 35


class AuditDiverged(SyncError):
    """The server holds audit entries this database no longer has, or has differently."""

    exit_code = 36


class NotTraced(CrmdeskError):
    """A file matched no recorded export's watermark."""

    exit_code = 37


class NotConfirmed(CrmdeskError):
    """A destructive action (erasing a person) was not confirmed as asked."""

    exit_code = 45


class NotInTrash(CrmdeskError):
    """Restore or purge named a record that is not in the trash."""

    exit_code = 46


class RestoreRefused(CrmdeskError):
    """A server restore named an unknown user or a time that cannot be used."""

    exit_code = 47


class SignInFailed(CrmdeskError):
    """The user name, PIN or password did not sign anyone in (or the user is disabled)."""

    exit_code = 41


class BulkRefused(PermissionDenied):
    """A delete or export over the bulk limit, by a role without the bulk permission."""

    exit_code = 42


class SuggestionNotFound(NotFound):
    """No current follow-up suggestion has the id given (it may have passed)."""

    exit_code = 53


class SuggestionDecided(CrmdeskError):
    """The suggestion was already accepted or dismissed (here or on another computer)."""

    exit_code = 54


class SuggestionAmbiguous(Ambiguous):
    """A shortened suggestion id matches several suggestions."""

    exit_code = 55


class QueryInvalid(ValidationError):
    """A smart-list condition names an unknown field, a wrong operator or a bad value."""

    exit_code = 56


class UnknownList(NotFound):
    """No saved list has the name (or id) given."""

    exit_code = 57


class ListNameTaken(CrmdeskError):
    """Another saved list already has this name."""

    exit_code = 58
