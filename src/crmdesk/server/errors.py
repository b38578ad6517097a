"""Refusals of the sync server, each with its HTTP status and protocol error code."""

from __future__ import annotations

from crmdesk.errors import CrmdeskError


class ApiError(CrmdeskError):
    """A request the server refuses; sent to the client as an ``ErrorBody``."""

    status = 400
    code = "malformed"


class Malformed(ApiError):
    """Not JSON, or not the shape the protocol says."""


class Unauthorized(ApiError):
    """Missing, unknown, expired or revoked token; bad password; disabled account."""

    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    """The user's role may not do this."""

    status = 403
    code = "forbidden"


class TooLarge(ApiError):
    """The body or the batch is over the protocol's limits."""

    status = 413
    code = "too_large"


class ClockAhead(ApiError):
    """A change is stamped too far in the server's future."""

    code = "clock_ahead"


class OutOfOrder(ApiError):
    """A push's sequence number leaves a gap (or repeats one with a new batch)."""

    status = 409
    code = "out_of_order"


class ProtocolMismatch(ApiError):
    """The client speaks a protocol version this server does not."""

    status = 426

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class ServerNotInitialised(CrmdeskError):
    """The server database has no tables yet (``crmdesk-server init`` was not run)."""

    exit_code = 3


class DatabaseUnavailable(CrmdeskError):
    """The server database cannot be reached or opened."""

    exit_code = 5


class AuditDiverged(ApiError):
    """A node's audit chain does not extend the copy the server holds."""

    status = 409
    code = "audit_diverged"
