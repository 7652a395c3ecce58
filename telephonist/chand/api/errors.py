"""Typed errors of the control API; each becomes an error reply, never a dropped connection."""
from __future__ import annotations


class ApiError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ApiError):
    code = "bad_request"


class UnknownCommand(ApiError):
    code = "unknown_command"


class NotOwner(ApiError):
    code = "not_owner"


class NotFound(ApiError):
    code = "not_found"


class WrongState(ApiError):
    code = "wrong_state"


class Forbidden(ApiError):
    code = "forbidden"


class Unavailable(ApiError):
    code = "unavailable"


class EngineFailure(ApiError):
    code = "engine_error"
