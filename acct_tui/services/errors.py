"""The errors the services raise; each message is written for the person at the keyboard."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """Base for every error a service raises on purpose."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class ValidationError(ServiceError, ValueError):
    """A value was refused. `field` names the form field it belongs to, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class NotFound(ServiceError, LookupError):
    """The record does not exist, or is outside what this agent may see."""


class Conflict(ServiceError):
    """Somebody else changed the record since it was read.

    `theirs` maps each field that changed under you to its value now.
    """

    def __init__(self, message: str, theirs: Mapping[str, object] | None = None, version: int = 0) -> None:
        super().__init__(message)
        self.theirs = dict(theirs or {})
        self.version = version


class NotAllowed(ServiceError):
    """The agent's role does not allow this action."""
