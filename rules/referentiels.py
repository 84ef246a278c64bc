"""Code lists (nomenclatures) of the CERFA FA13 apprenticeship contract, with their French labels.

The codes are those of the inter-OPCO exchange norm and of the public CERFA tools (see
``shared/domain/cerfa-apprentissage.md``); the labels are written for the help panel and the
select boxes of the form. Pure data: the same lists serve the validation, the form structure
endpoint and the documents.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Code:
    code: int | str
    label: str
    group: str = ""

    def as_dict(self) -> dict:
        data: dict = {"code": self.code, "libelle": self.label}
        if self.group:
            data["groupe"] = self.group
        return data


@dataclass(frozen=True, slots=True)
class CodeList:
    """A nomenclature. ``open`` lists are suggestions: any value is accepted."""

    name: str
    title: str
    codes: tuple[Code, ...]
    open: bool = False

    @property
    def is_numeric(self) -> bool:
        return all(isinstance(c.code, int) for c in self.codes)

    def values(self) -> tuple[int | str, ...]:
        return tuple(c.code for c in self.codes)

    def normalise(self, value) -> int | str | None:
        """The canonical code for ``value`` (``16``, ``"16"``, ``"016"`` → ``16``), or None if unknown."""
        if value is None or isinstance(value, bool):
            return None
        known = self.values()
        if self.is_numeric:
            if isinstance(value, int):
                return value if value in known else None
            text = str(value).strip()
            if text.isdecimal() and len(text) <= 18 and int(text) in known:
                return int(text)
            return None
        text = str(value).strip()
        for candidate in (text, text.upper(), text.zfill(2), text[1:] if len(text) == 3 and text[0] == "0" else ""):
            if candidate and candidate in known:
                return candidate
        return None

    def contains(self, value) -> bool:
        return self.normalise(value) is not None

    def label_of(self, value) -> str | None:
        code = self.normalise(value)
        return next((c.label for c in self.codes if c.code == code), None) if code is not None else None

    def as_dict(self) -> dict:
        return {
            "nom": self.name,
            "titre": self.title,
            "ouverte": self.open,
            "codes": [c.as_dict() for c in self.codes],
        }


def _codes(*rows: tuple) -> tuple[Code, ...]:
    return tuple(Code(*row) for row in rows)


TYPE_EMPLOYEUR = CodeList(
    "typeEmployeur",
    "Type d'employeur",
    _codes(
        (11, "Entreprise inscrite au répertoire des métiers ou au registre des entreprises (Alsace-Moselle)", "Privé"),
        (12, "Entreprise inscrite uniquement au registre du commerce et des sociétés", "Privé"),
        (13, "Entreprise dont les salariés relèvent de la mutualité sociale agricole", "Privé"),
        (14, "Profession libérale", "Privé"),
        (15, "Association", "Privé"),
        (16, "Autre employeur privé", "Privé"),
        (21, "Service de l'État (administrations centrales et services déconcentrés)", "Public"),
        (22, "Commune", "Public"),
        (23, "Département", "Public"),
        (24, "Région", "Public"),
        (25, "Établissement public hospitalier", "Public"),
        (26, "Établissement public local d'enseignement", "Public"),
        (27, "Établissement public administratif de l'État", "Public"),
        (28, "Établissement public administratif local (y compris EPCI)", "Public"),
        (29, "Autre employeur public", "Public"),
    ),
)
PUBLIC_EMPLOYER_TYPES = frozenset(range(21, 30))

EMPLOYEUR_SPECIFIQUE = CodeList(
    "employeurSpecifique",
    "Employeur spécifique",
    _codes(
        (0, "Aucun de ces cas"),
        (1, "Entreprise de travail temporaire"),
        (2, "Groupement d'employeurs"),
        (3, "Employeur saisonnier"),
        (4, "Apprentissage familial : l'employeur est un ascendant de l'apprenti(e)"),
    ),
)

SEXE = CodeList("sexe", "Sexe", _codes(("M", "Masculin"), ("F", "Féminin")))

NATIONALITE = CodeList(
    "nationalite",
    "Nationalité",
    _codes((1, "Française"), (2, "Union européenne"), (3, "Étranger hors Union européenne")),
)

REGIME_SOCIAL = CodeList("regimeSocial", "Régime social", _codes((1, "MSA"), (2, "URSSAF")))

SITUATION_AVANT_CONTRAT = CodeList(
    "situationAvantContrat",
    "Situation avant ce contrat",
    _codes(
        (1, "Scolaire"),
        (2, "Prépa apprentissage"),
        (3, "Étudiant"),
        (4, "Contrat d'apprentissage"),
        (5, "Contrat de professionnalisation"),
        (6, "Contrat aidé"),
        (7, "En formation au CFA comme stagiaire de la formation professionnelle, avant la signature d'un contrat"),
        (8, "En formation au CFA sans contrat, sous statut de stagiaire, suite à la rupture d'un contrat"),
        (9, "Autres situations sous statut de stagiaire de la formation professionnelle"),
        (10, "Salarié"),
        (11, "Personne à la recherche d'un emploi (inscrite ou non à France Travail)"),
        (12, "Inactif"),
    ),
)

DIPLOME = CodeList(
    "diplome",
    "Diplôme ou titre",
    _codes(
        (80, "Doctorat", "Diplôme ou titre de niveau bac +5 et plus"),
        (71, "Master professionnel / DESS", "Diplôme ou titre de niveau bac +5 et plus"),
        (72, "Master recherche / DEA", "Diplôme ou titre de niveau bac +5 et plus"),
        (73, "Master indifférencié", "Diplôme ou titre de niveau bac +5 et plus"),
        (74, "Diplôme d'ingénieur, diplôme d'école de commerce", "Diplôme ou titre de niveau bac +5 et plus"),
        (79, "Autre diplôme ou titre de niveau bac +5 ou plus", "Diplôme ou titre de niveau bac +5 et plus"),
        (61, "1re année de Master", "Diplôme ou titre de niveau bac +3 et 4"),
        (62, "Licence professionnelle", "Diplôme ou titre de niveau bac +3 et 4"),
        (63, "Licence générale", "Diplôme ou titre de niveau bac +3 et 4"),
        (69, "Autre diplôme ou titre de niveau bac +3 ou 4", "Diplôme ou titre de niveau bac +3 et 4"),
        (54, "Brevet de technicien supérieur (BTS)", "Diplôme ou titre de niveau bac +2"),
        (55, "Diplôme universitaire de technologie (DUT)", "Diplôme ou titre de niveau bac +2"),
        (58, "Autre diplôme ou titre de niveau bac +2", "Diplôme ou titre de niveau bac +2"),
        (41, "Baccalauréat professionnel", "Diplôme ou titre de niveau bac"),
        (42, "Baccalauréat général", "Diplôme ou titre de niveau bac"),
        (43, "Baccalauréat technologique", "Diplôme ou titre de niveau bac"),
        (49, "Autre diplôme ou titre de niveau bac", "Diplôme ou titre de niveau bac"),
        (33, "CAP", "Diplôme ou titre de niveau CAP/BEP"),
        (34, "BEP", "Diplôme ou titre de niveau CAP/BEP"),
        (35, "Mention complémentaire", "Diplôme ou titre de niveau CAP/BEP"),
        (38, "Autre diplôme ou titre de niveau CAP/BEP", "Diplôme ou titre de niveau CAP/BEP"),
        (25, "Diplôme national du brevet (DNB)", "Aucun diplôme ni titre"),
        (26, "Certificat de formation générale", "Aucun diplôme ni titre"),
        (13, "Aucun diplôme ni titre professionnel", "Aucun diplôme ni titre"),
    ),
)

DERNIERE_CLASSE = CodeList(
    "derniereClasse",
    "Dernière classe ou année suivie",
    _codes(
        (1, "01 — L'apprenti(e) a suivi la dernière année du cycle de formation et a obtenu le diplôme ou titre"),
        (11, "11 — 1re année du cycle suivie et validée (examens réussis mais année non diplômante)"),
        (12, "12 — 1re année du cycle suivie mais non validée (échec aux examens, interruption ou abandon)"),
        (21, "21 — 2e année du cycle suivie et validée"),
        (22, "22 — 2e année du cycle suivie mais non validée"),
        (31, "31 — 3e année du cycle suivie et validée (licence, certaines formations)"),
        (32, "32 — 3e année du cycle suivie mais non validée"),
        (40, "40 — 1er cycle de l'enseignement secondaire (collège) achevé"),
        (41, "41 — Études interrompues en classe de 3e"),
        (42, "42 — Études interrompues en classe de 4e"),
    ),
)

NIVEAU_DIPLOME_MAITRE = CodeList(
    "niveauDiplomeMaitre",
    "Niveau du diplôme ou titre le plus élevé obtenu par le maître d'apprentissage",
    _codes(
        (0, "Aucun diplôme"),
        (3, "CAP, BEP"),
        (4, "Baccalauréat"),
        (5, "DEUG, BTS, DUT, DEUST"),
        (6, "Licence, licence professionnelle, BUT, maîtrise"),
        (7, "Master, diplôme d'études approfondies, diplôme d'études supérieures spécialisées, diplôme d'ingénieur"),
        (8, "Doctorat, habilitation à diriger des recherches"),
    ),
)

MODE_CONTRACTUEL = CodeList(
    "modeContractuel",
    "Mode contractuel de l'apprentissage",
    _codes(
        (1, "À durée limitée"),
        (2, "Dans le cadre d'un CDI"),
        (3, "Entreprise de travail temporaire"),
        (4, "Activités saisonnières à deux employeurs"),
    ),
)

TYPE_CONTRAT = CodeList(
    "typeContratApp",
    "Type de contrat ou d'avenant",
    _codes(
        (11, "Premier contrat d'apprentissage de l'apprenti(e)", "Contrat initial"),
        (
            21,
            "Nouveau contrat avec un apprenti(e) qui a terminé son précédent contrat auprès d'un même employeur",
            "Succession de contrats",
        ),
        (
            22,
            "Nouveau contrat avec un apprenti(e) qui a terminé son précédent contrat auprès d'un autre employeur",
            "Succession de contrats",
        ),
        (
            23,
            "Nouveau contrat avec un apprenti(e) dont le précédent contrat auprès d'un autre employeur a été rompu",
            "Succession de contrats",
        ),
        (31, "Modification de la situation juridique de l'employeur", "Avenant"),
        (32, "Changement d'employeur dans le cadre d'un contrat saisonnier", "Avenant"),
        (33, "Prolongation du contrat suite à un échec à l'examen de l'apprenti(e)", "Avenant"),
        (
            34,
            "Prolongation du contrat suite à la reconnaissance de l'apprenti(e) comme travailleur handicapé",
            "Avenant",
        ),
        (35, "Modification du diplôme préparé par l'apprenti(e)", "Avenant"),
        (
            36,
            "Autres changements : maître d'apprentissage, durée de travail hebdomadaire, réduction de durée…",
            "Avenant",
        ),
        (37, "Modification du lieu d'exécution du contrat", "Avenant"),
        (38, "Modification du lieu principal de réalisation de la formation théorique", "Avenant"),
    ),
)
INITIAL_CONTRACT_TYPES = frozenset({11, 21, 22, 23})
FOLLOW_ON_CONTRACT_TYPES = frozenset({21, 22, 23})
AVENANT_TYPES = frozenset(range(31, 39))

TYPE_DEROGATION = CodeList(
    "typeDerogation",
    "Type de dérogation",
    _codes(
        (11, "Âge de l'apprenti(e) inférieur à 16 ans"),
        (12, "Âge supérieur à 29 ans : cas spécifiques prévus dans le code du travail"),
        (21, "Réduction de la durée du contrat ou de la période d'apprentissage"),
        (22, "Allongement de la durée du contrat ou de la période d'apprentissage"),
        (50, "Cumul de dérogations"),
        (60, "Autre dérogation"),
    ),
)

TYPE_SALAIRE = CodeList(
    "typeSalaire",
    "Base de la rémunération",
    _codes(("SMIC", "Salaire minimum de croissance (SMIC)"), ("SMC", "Salaire minimum conventionnel (SMC)")),
)

CAISSE_RETRAITE = CodeList(
    "caisseRetraite",
    "Caisse de retraite complémentaire",
    _codes(
        ("AGIRC-ARRCO", "AGIRC-ARRCO (salariés du secteur privé)"),
        ("Banque de France", "Caisse de réserve des employés de la Banque de France"),
        ("CARCDSF", "CARCDSF (chirurgiens-dentistes et sages-femmes)"),
        ("CARMF", "CARMF (médecins)"),
        ("CARPIMKO", "CARPIMKO (auxiliaires médicaux)"),
        ("CARPV", "CARPV (vétérinaires)"),
        ("CAVAMAC", "CAVAMAC (agents généraux d'assurance)"),
        ("CAVEC", "CAVEC (experts-comptables et commissaires aux comptes)"),
        ("CAVOM", "CAVOM (officiers ministériels)"),
        ("CAVP", "CAVP (pharmaciens)"),
        ("CIPAV", "CIPAV (professions libérales)"),
        ("CNBF", "CNBF (avocats)"),
        ("CNIEG", "CNIEG (industries électriques et gazières)"),
        ("CPRN", "CPRN (notaires)"),
        ("CPRP", "CPRP SNCF"),
        ("CROPERA", "CROPERA (Opéra de Paris)"),
        ("CRP", "CRP (Comédie-Française)"),
        ("CRPCEN", "CRPCEN (clercs et employés de notaires)"),
        ("CRPCF", "CRPCF (Comédie-Française)"),
        ("CRPN", "CRPN (personnel navigant de l'aéronautique civile)"),
        ("ENIM", "ENIM (marins)"),
        ("FSPOEIE", "FSPOEIE (ouvriers des établissements industriels de l'État)"),
        ("IRCANTEC", "IRCANTEC (agents non titulaires de la fonction publique)"),
        ("IRCEC", "IRCEC (artistes-auteurs)"),
        ("MSA", "MSA (régime agricole)"),
        ("Port autonome de Strasbourg", "Port autonome de Strasbourg"),
        ("RATP", "RATP"),
        ("Retraite des mines", "Retraite des mines"),
        ("SNCF", "SNCF"),
        ("SSI", "Sécurité sociale des indépendants"),
    ),
    open=True,
)

_DEPARTEMENTS = (
    ("01", "Ain"), ("02", "Aisne"), ("03", "Allier"), ("04", "Alpes-de-Haute-Provence"), ("05", "Hautes-Alpes"),
    ("06", "Alpes-Maritimes"), ("07", "Ardèche"), ("08", "Ardennes"), ("09", "Ariège"), ("10", "Aube"),
    ("11", "Aude"), ("12", "Aveyron"), ("13", "Bouches-du-Rhône"), ("14", "Calvados"), ("15", "Cantal"),
    ("16", "Charente"), ("17", "Charente-Maritime"), ("18", "Cher"), ("19", "Corrèze"), ("2A", "Corse-du-Sud"),
    ("2B", "Haute-Corse"), ("21", "Côte-d'Or"), ("22", "Côtes-d'Armor"), ("23", "Creuse"), ("24", "Dordogne"),
    ("25", "Doubs"), ("26", "Drôme"), ("27", "Eure"), ("28", "Eure-et-Loir"), ("29", "Finistère"), ("30", "Gard"),
    ("31", "Haute-Garonne"), ("32", "Gers"), ("33", "Gironde"), ("34", "Hérault"), ("35", "Ille-et-Vilaine"),
    ("36", "Indre"), ("37", "Indre-et-Loire"), ("38", "Isère"), ("39", "Jura"), ("40", "Landes"),
    ("41", "Loir-et-Cher"), ("42", "Loire"), ("43", "Haute-Loire"), ("44", "Loire-Atlantique"), ("45", "Loiret"),
    ("46", "Lot"), ("47", "Lot-et-Garonne"), ("48", "Lozère"), ("49", "Maine-et-Loire"), ("50", "Manche"),
    ("51", "Marne"), ("52", "Haute-Marne"), ("53", "Mayenne"), ("54", "Meurthe-et-Moselle"), ("55", "Meuse"),
    ("56", "Morbihan"), ("57", "Moselle"), ("58", "Nièvre"), ("59", "Nord"), ("60", "Oise"), ("61", "Orne"),
    ("62", "Pas-de-Calais"), ("63", "Puy-de-Dôme"), ("64", "Pyrénées-Atlantiques"), ("65", "Hautes-Pyrénées"),
    ("66", "Pyrénées-Orientales"), ("67", "Bas-Rhin"), ("68", "Haut-Rhin"), ("69", "Rhône"), ("70", "Haute-Saône"),
    ("71", "Saône-et-Loire"), ("72", "Sarthe"), ("73", "Savoie"), ("74", "Haute-Savoie"), ("75", "Paris"),
    ("76", "Seine-Maritime"), ("77", "Seine-et-Marne"), ("78", "Yvelines"), ("79", "Deux-Sèvres"), ("80", "Somme"),
    ("81", "Tarn"), ("82", "Tarn-et-Garonne"), ("83", "Var"), ("84", "Vaucluse"), ("85", "Vendée"),
    ("86", "Vienne"), ("87", "Haute-Vienne"), ("88", "Vosges"), ("89", "Yonne"), ("90", "Territoire de Belfort"),
    ("91", "Essonne"), ("92", "Hauts-de-Seine"), ("93", "Seine-Saint-Denis"), ("94", "Val-de-Marne"),
    ("95", "Val-d'Oise"), ("971", "Guadeloupe"), ("972", "Martinique"), ("973", "Guyane"), ("974", "La Réunion"),
    ("976", "Mayotte"), ("99", "Né(e) à l'étranger"),
)  # fmt: skip
DEPARTEMENT = CodeList("departement", "Département", _codes(*_DEPARTEMENTS))
OVERSEAS_DEPARTEMENTS = frozenset({"971", "972", "973", "974", "976"})
CORSICA_DEPARTEMENTS = frozenset({"2A", "2B"})
BORN_ABROAD = "99"

# IDCC special values and the conventions the OPCO Mobilités is known to cover (soft hint only).
IDCC_SPECIAL = {
    "9999": "Aucune convention collective applicable",
    "9998": "Convention collective en cours de négociation ou non encore en vigueur",
}
IDCC_OPCO_MOBILITES = frozenset(
    {
        "0003", "0016", "0412", "0538", "0779", "1090", "1182", "1424", "1536", "1710", "1974",
        "2174", "2972", "3017", "3217", "3223", "3228", "5521", "5554", "5555", "5556", "5557",
    }
)  # fmt: skip

# First three characters of an Éducation nationale diploma code (CFD) → diploma type (sample
# mapping of the public tool; used as a soft consistency hint, never to refuse).
CFD_PREFIX_TO_TYPE_DIPLOME: dict[str, int] = {
    "500": 33, "503": 33, "510": 34, "010": 35, "013": 35, "553": 38,
    "400": 41, "403": 41, "430": 43, "433": 43, "401": 49, "420": 49, "446": 49,
    "320": 54, "323": 54, "350": 55, "321": 58, "322": 58, "336": 58, "346": 58, "355": 58,
    "250": 62, "200": 63, "201": 63, "205": 63, "255": 69, "135": 71, "155": 71, "165": 74, "170": 74,
    "140": 79, "146": 79, "100": 80, "671": 25, "672": 26,
}  # fmt: skip
CFD_PREFIX2_TO_TYPE_DIPLOME: dict[str, int] = {
    "56": 38, "45": 49, "46": 49, "36": 58, "23": 69, "24": 69, "26": 69, "16": 79,
}  # fmt: skip


def type_diplome_of_cfd(code_diplome: str) -> int | None:
    """The diploma type suggested by a CFD code, when its prefix is known."""
    code = (code_diplome or "").strip().upper()
    if code[:3] in CFD_PREFIX_TO_TYPE_DIPLOME:
        return CFD_PREFIX_TO_TYPE_DIPLOME[code[:3]]
    return CFD_PREFIX2_TO_TYPE_DIPLOME.get(code[:2])


CODE_LISTS: dict[str, CodeList] = {
    lst.name: lst
    for lst in (
        TYPE_EMPLOYEUR,
        EMPLOYEUR_SPECIFIQUE,
        SEXE,
        NATIONALITE,
        REGIME_SOCIAL,
        SITUATION_AVANT_CONTRAT,
        DIPLOME,
        DERNIERE_CLASSE,
        NIVEAU_DIPLOME_MAITRE,
        MODE_CONTRACTUEL,
        TYPE_CONTRAT,
        TYPE_DEROGATION,
        TYPE_SALAIRE,
        CAISSE_RETRAITE,
        DEPARTEMENT,
    )
}


def code_lists_as_dict() -> dict[str, dict]:
    return {name: lst.as_dict() for name, lst in CODE_LISTS.items()}
