"""Labels of the coded values of the CERFA FA13 (n° 10103), read from the shared nomenclatures
of :mod:`rules.referentiels` (the same lists serve the validation, the form and the documents).

A code missing from its list is shown as it is, never dropped.
"""

from __future__ import annotations

from rules import referentiels as ref
from rules.referentiels import CodeList

TYPE_EMPLOYEUR = ref.TYPE_EMPLOYEUR
EMPLOYEUR_SPECIFIQUE = ref.EMPLOYEUR_SPECIFIQUE
SEXE = ref.SEXE
NATIONALITE = ref.NATIONALITE
REGIME_SOCIAL = ref.REGIME_SOCIAL
SITUATION_AVANT_CONTRAT = ref.SITUATION_AVANT_CONTRAT
DERNIERE_CLASSE = ref.DERNIERE_CLASSE
DIPLOME = ref.DIPLOME
NIVEAU_DIPLOME_MAITRE = ref.NIVEAU_DIPLOME_MAITRE
MODE_CONTRACTUEL = ref.MODE_CONTRACTUEL
TYPE_CONTRAT = ref.TYPE_CONTRAT
TYPE_DEROGATION = ref.TYPE_DEROGATION
CAISSE_RETRAITE = ref.CAISSE_RETRAITE
# The AGECAP flow codes the sex 1/2; the form's list knows M/F.
_SEXE_NUMERIC = {"1": "M", "2": "F"}
# On the document, the base of the pay reads as a phrase: « 53 % du SMIC ».
TYPE_SALAIRE = {"SMIC": "du SMIC", "SMC": "du salaire minimum conventionnel"}


def label(codes: CodeList | dict[str, str], value) -> str:
    """The label of a code (``11``, ``"11"``, ``"01"``…); the code itself when unknown; ``""`` when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(codes, dict):
        return codes.get(str(value).strip().upper(), str(value).strip())
    if codes is SEXE:
        value = _SEXE_NUMERIC.get(str(value).strip(), value)
    found = codes.label_of(value)
    if found is None and codes.open:
        return str(value).strip()
    return found if found is not None else str(value).strip()
