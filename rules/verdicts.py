"""The shape every rule answers with: problems addressed to a field, in French.

As data, a problem has the keys of every error of the API (and of the inter-OPCO norm's ``errors``):
``code``, ``description`` and ``champ`` (the field's path).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str
    code: str = "invalide"

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "description": self.message, "champ": self.field}
