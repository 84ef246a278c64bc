"""The shape every rule answers with: problems addressed to a field, in French."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str
    code: str = "invalide"

    def as_dict(self) -> dict[str, str]:
        return {"champ": self.field, "message": self.message, "code": self.code}
