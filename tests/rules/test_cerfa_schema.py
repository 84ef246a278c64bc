import json
from datetime import date

import pytest

from rules import cerfa
from rules.cerfa_schema import BLOCKS, FIELDS, block_of, example_payload, form_structure, get_path
from rules.identifiers import luhn_complete
from rules.referentiels import CODE_LISTS, DEPARTEMENT, TYPE_CONTRAT, type_diplome_of_cfd

TODAY = date(2026, 11, 20)
EMPLOYEUR = luhn_complete(luhn_complete("12345678") + "0001")
OF = luhn_complete(luhn_complete("87654321") + "0001")


def test_blocks_are_in_the_order_of_the_form():
    assert [b.key for b in BLOCKS] == ["employeur", "apprenti", "maitres", "contrat", "formation", "synthese"]
    assert [b.number for b in BLOCKS] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "path",
    [
        "employeur.siret", "employeur.typeEmployeur", "apprenti.dateNaissance", "apprenti.nir", "maitre1.nom",
        "maitre2.nom", "maitre2.dateNaissance", "contrat.typeContratApp", "contrat.dateDebutContrat",
        "contrat.dateFinContrat", "contrat.typeDerogation", "contrat.remunerationsAnnuelles", "formation.rncp",
        "formation.codeDiplome", "organismeFormation.siret", "organismeFormation.uaiCfa",
        "contrat.lieuSignatureContrat", "employeur.attestationPieces", "employeur.attestationEligibilite",
    ],
)  # fmt: skip
def test_the_norm_field_names_are_declared(path):
    assert path in FIELDS


def test_every_code_field_names_a_known_list():
    for field in FIELDS.values():
        if field.kind == "code":
            assert field.codes in CODE_LISTS, field.path
    for item in FIELDS["contrat.remunerationsAnnuelles"].items:
        assert item.codes is None or item.codes in CODE_LISTS


@pytest.mark.parametrize(
    ("path", "block"),
    [
        ("employeur.siret", "employeur"),
        ("employeur.caisseComplementaire", "contrat"),
        ("employeur.attestationPieces", "synthese"),
        ("employeur.attestationEligibilite", "maitres"),
        ("contrat.lieuSignatureContrat", "synthese"),
        ("contrat.remunerationsAnnuelles[3].taux", "contrat"),
        ("maitre2", "maitres"),
        ("apprenti.responsableLegal.adresse.codePostal", "apprenti"),
        ("organismeFormationLieuFormationPrincipal.siret", "formation"),
        ("employeur.inconnu", "employeur"),
    ],
)
def test_block_of(path, block):
    assert block_of(path) == block


def test_get_path_reads_nested_lists():
    payload = {"contrat": {"remunerationsAnnuelles": [{"taux": 27}, {"taux": 43}]}}
    assert get_path(payload, "contrat.remunerationsAnnuelles[1].taux") == 43
    assert get_path(payload, "contrat.remunerationsAnnuelles[2].taux") is None
    assert get_path(payload, "contrat.inconnu.x") is None
    assert get_path({"a": "texte"}, "a.b") is None


def test_form_structure_is_json_with_blocks_fields_lists_and_help():
    structure = form_structure()
    json.dumps(structure)
    assert [b["cle"] for b in structure["blocs"]] == [
        "employeur",
        "apprenti",
        "maitres",
        "contrat",
        "formation",
        "synthese",
    ]
    for bloc in structure["blocs"]:
        assert bloc["aide"] and all(isinstance(text, str) and text for text in bloc["aide"])
    employeur = structure["blocs"][0]
    siret = next(f for f in employeur["champs"] if f["champ"] == "employeur.siret")
    assert siret["obligatoire"] is True and siret["type"] == "siret" and siret["libelle"]
    type_employeur = next(f for f in employeur["champs"] if f["champ"] == "employeur.typeEmployeur")
    assert type_employeur["liste"] == "typeEmployeur"
    assert {c["code"] for c in structure["listes"]["typeEmployeur"]["codes"]} == set(range(11, 17)) | set(range(21, 30))
    for name in (
        "employeurSpecifique", "diplome", "derniereClasse", "situationAvantContrat", "nationalite", "regimeSocial",
        "typeContratApp", "typeDerogation", "caisseRetraite", "departement",
    ):  # fmt: skip
        assert structure["listes"][name]["codes"], name
    assert structure["remuneration"]["tauxMinimaux"]["annee1"] == [27, 43, 53, 100]
    assert structure["brouillon"]["champsObligatoires"] == ["employeur.siret", "organismeFormation.siret"]
    periodes = next(
        f for b in structure["blocs"] for f in b["champs"] if f["champ"] == "contrat.remunerationsAnnuelles"
    )
    assert [e["champ"] for e in periodes["elements"]][:4] == ["ordre", "dateDebut", "dateFin", "taux"]
    maitre2 = next(f for b in structure["blocs"] for f in b["champs"] if f["champ"] == "maitre2.nom")
    assert maitre2["obligatoire"] is False and maitre2["obligatoireSi"]


def test_departements_include_corsica_overseas_and_abroad():
    assert {"2A", "2B", "971", "972", "973", "974", "976", "99"} <= set(DEPARTEMENT.values())
    assert "20" not in DEPARTEMENT.values() and len(DEPARTEMENT.values()) == 102
    assert DEPARTEMENT.normalise("02A") == "2A" and DEPARTEMENT.normalise("001") == "01"
    assert DEPARTEMENT.normalise(1) == "01" and DEPARTEMENT.normalise("2a") == "2A"
    assert DEPARTEMENT.label_of("971") == "Guadeloupe"


def test_code_lists_normalise_numbers_and_strings():
    assert TYPE_CONTRAT.normalise("36") == 36 and TYPE_CONTRAT.normalise(36) == 36
    assert TYPE_CONTRAT.normalise(True) is None and TYPE_CONTRAT.normalise("3 6") is None
    assert CODE_LISTS["derniereClasse"].normalise("01") == 1


@pytest.mark.parametrize(
    ("cfd", "type_diplome"),
    [("50022137", 33), ("32031213", 54), ("40025510", 41), ("56X", 38), ("16512345", 74), ("16012345", 79),
     ("99912345", None)],
)  # fmt: skip
def test_type_diplome_of_cfd(cfd, type_diplome):
    assert type_diplome_of_cfd(cfd) == type_diplome


def test_example_payload_is_valid_and_uses_the_given_identifiers():
    payload = example_payload(EMPLOYEUR, OF, TODAY, uai="0010856A")
    assert payload["employeur"]["siret"] == EMPLOYEUR and payload["organismeFormation"]["siret"] == OF
    assert payload["organismeFormation"]["uaiCfa"] == "0010856A"
    assert cerfa.validate_cerfa(payload, today=TODAY).is_valid
    json.dumps(payload)
