"""The OpenAPI document of ``/api/cfa``: the ``cerfa`` object described in the norm's names from our
CERFA model (:mod:`rules.cerfa_schema` — one model, two readers), the norm's three headers on every
operation, and the norm's error responses."""

from __future__ import annotations

from rules.cerfa_schema import FIELDS, Field
from rules.referentiels import CODE_LISTS

DATE_TIME = {"type": "string", "format": "date-time", "example": "2026-09-01T00:00:00+02:00"}
PORTAL_ONLY_ROOTS = ("synthese",)


def _leaf(field: Field) -> dict:
    kind = field.kind
    if kind == "date":
        schema: dict = dict(DATE_TIME)
    elif kind in ("booleen", "attestation"):
        schema = {"type": "boolean"}
    elif kind == "entier":
        schema = {"type": "integer"}
        if field.minimum is not None:
            schema["minimum"] = field.minimum
        if field.maximum is not None:
            schema["maximum"] = field.maximum
    elif kind in ("montant", "taux"):
        schema = {"type": "number"}
    elif kind == "code" and field.codes in CODE_LISTS and not CODE_LISTS[field.codes].open:
        codes = CODE_LISTS[field.codes]
        schema = {"type": "integer" if codes.is_numeric else "string", "enum": list(codes.values())}
    elif kind == "periodes":
        schema = {"type": "array", "items": _object({item.path: item for item in field.items if not item.computed})}
    else:
        schema = {"type": "string"}
        if field.max_length:
            schema["maxLength"] = field.max_length
    description = field.label
    if field.required_if:
        description += f" (obligatoire {field.required_if})"
    schema["description"] = description
    return schema


def _object(fields: dict[str, Field]) -> dict:
    tree: dict = {}
    for path, field in fields.items():
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = field
    return _schema_of(tree)


def _schema_of(tree: dict) -> dict:
    properties = {}
    required = []
    for name, value in tree.items():
        if isinstance(value, Field):
            properties[name] = _leaf(value)
            if value.required:
                required.append(name)
        else:
            properties[name] = _schema_of(value)
    schema: dict = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def cerfa_schema() -> dict:
    """The norm's ``cerfa`` object: the envelope, then every block of the CERFA FA13 (10103*14)."""
    schema = _object({p: f for p, f in FIELDS.items() if p.split(".")[0] not in PORTAL_ONLY_ROOTS})
    schema["properties"] = {
        "versionCERFA": {"type": "string", "example": "10103*14", "description": "Version du CERFA"},
        "CERFASignatureProbante": {"type": "boolean", "description": "CERFA signé par un procédé probant"},
        "etat": {"type": "string", "example": "TRANSMIS", "description": "« TRANSMIS » au dépôt (ignoré)"},
        "commentaireEtat": {"type": "string", "description": "Vide au dépôt (ignoré)"},
        **schema["properties"],
    }
    schema.pop("required", None)
    schema["description"] = (
        "Le CERFA FA13 (contrat d'apprentissage) dans les noms de la norme. Dates : ISO 8601 avec décalage "
        "(dates civiles de Paris) ; codes des nomenclatures : entiers. Les obligations et contrôles sont ceux du "
        "formulaire du portail : chaque refus nomme son champ (« cerfa.contrat.dateDebutContrat »)."
    )
    return schema


def client_header_parameters() -> dict:
    return {
        name: {
            "name": name,
            "in": "header",
            "required": True,
            "schema": {"type": "string", "maxLength": 100},
            "description": description,
        }
        for name, description in (
            ("EDITEUR", "Nom de l'éditeur du logiciel du CFA (obligatoire sur chaque appel)."),
            ("LOGICIEL", "Nom du logiciel (obligatoire sur chaque appel)."),
            ("VERSION", "Version du logiciel appelant, pas celle de l'API (ex. : 1.0)."),
        )
    }


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": (
        "Facultatif : une clé unique par dépôt. Le même dépôt renvoyé avec la même clé reçoit la première réponse "
        "(en-tête Idempotent-Replayed: true) ; la même clé avec une autre requête est refusée (422)."
    ),
}
