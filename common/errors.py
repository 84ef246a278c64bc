"""Domain errors, raised by services and selectors, mapped to HTTP in one place (the API).

Messages are French and meant for the end user.
"""

from __future__ import annotations

from collections.abc import Iterable

from rules.verdicts import Problem


class DomainError(Exception):
    code = "erreur"
    status = 400

    def __init__(self, message: str, *, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


class NotFound(DomainError):
    """The object does not exist *or* lies outside the actor's scope: the same answer for both."""

    code = "introuvable"
    status = 404


class Forbidden(DomainError):
    """The actor sees the object but its role or rights do not allow the action."""

    code = "interdit"
    status = 403


class Conflict(DomainError):
    """The action is not allowed in the object's current state, or another change won the race."""

    code = "conflit"
    status = 409


class InvalidInput(DomainError):
    code = "donnees_invalides"
    status = 422

    def __init__(self, problems: Iterable[Problem], message: str = "Les données saisies sont invalides.") -> None:
        super().__init__(message, problems=problems)


class ServiceUnavailable(DomainError):
    """A document renderer or its PDF converter is not available right now."""

    code = "document_indisponible"
    status = 503
