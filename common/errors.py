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


# --- Failures that are not bugs: the database gone, input the database or the parser cannot take ------


def input_failure(exc: BaseException | None) -> tuple[int, str, str] | None:
    """``(status, message, code)`` for an exception caused by the request or by the database's absence
    rather than by a bug: each interface answers it in its own shape instead of a 500; ``None`` otherwise."""
    from decimal import InvalidOperation

    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
    from django.db import DataError, InterfaceError, OperationalError
    from django.http.multipartparser import MultiPartParserError, TooManyFilesSent

    if exc is None:
        return None
    if isinstance(exc, OperationalError | InterfaceError):
        return (
            503,
            "Service momentanément indisponible (base de données injoignable) : réessayez dans quelques instants. "
            "Ce que vous avez envoyé n'a pas été enregistré.",
            "service_indisponible",
        )
    if isinstance(exc, DataError | OverflowError | InvalidOperation):
        return 400, "Valeur hors des limites acceptées (nombre trop grand ou texte invalide).", "valeur_hors_limites"
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return 413, "Requête trop volumineuse.", "requete_trop_volumineuse"
    if isinstance(exc, MultiPartParserError):
        return 400, "Formulaire illisible : envoyez un corps multipart/form-data complet.", "formulaire_illisible"
    return None
