"""What a document shows, as plain frozen data: every value already formatted in French.

The mapping (:mod:`documents.mapping`) builds these from the domain objects; the renderer
(:mod:`documents.docx_render`) turns them into DOCX bytes without knowing any model. Both sides are
testable alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Field:
    """One labelled value of a form; ``value`` is ``""`` when not filled in (shown blank)."""

    label: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """A table of text cells; ``numeric`` lists the right-aligned columns (amounts, rates)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None = None
    numeric: tuple[int, ...] = ()
    row_height_mm: float | None = None  # e.g. room for handwritten signatures


@dataclass(frozen=True, slots=True)
class Sender:
    """The OPCO, as it signs its documents (``PORTAIL_OPCO_*`` settings)."""

    nom: str
    adresse: tuple[str, ...] = ()
    signataire: str = "Le service Gestion des dossiers"
    telephone: str = ""
    email: str = ""
    siret: str = ""
    mentions: str = ""  # the legal footer
    lieu: str = ""  # place of issue: « Sèvres, le 10 juillet 2026 »

    @property
    def adresse_ligne(self) -> str:
        return " — ".join(self.adresse)

    @property
    def contact_ligne(self) -> str:
        """``Tél. 01 00 00 00 00 — gestion@opco.example``."""
        parts = [f"Tél. {self.telephone}" if self.telephone else "", self.email]
        return " — ".join(p for p in parts if p)

    @property
    def contact_phrase(self) -> str:
        """``au 01 00 00 00 00 ou à gestion@opco.example`` (how to reach the OPCO, in a sentence)."""
        parts = [f"au {self.telephone}" if self.telephone else "", f"à {self.email}" if self.email else ""]
        return " ou ".join(p for p in parts if p)

    @property
    def pied_de_page(self) -> str:
        """``OPCO Mobilités — SIRET 777 777 777 00015 — <mentions légales>``."""
        return " — ".join(p for p in (self.nom, f"SIRET {self.siret}" if self.siret else "", self.mentions) if p)


@dataclass(frozen=True, slots=True)
class Addressee:
    """The addressee block of a letter (an établissement of the referential)."""

    raison_sociale: str
    lignes: tuple[str, ...] = ()
    siret: str = ""


# --- CERFA FA13 ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CerfaColumn:
    champs: tuple[Field, ...]
    titre: str = ""


@dataclass(frozen=True, slots=True)
class CerfaBlock:
    """One block of the form (« L'employeur », « L'apprenti(e) »…): lines before the columns
    (``entete``), side-by-side columns, ticked mentions, sub-blocks, a table (rémunération), notes."""

    titre: str
    colonnes: tuple[CerfaColumn, ...]
    entete: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    tableau: Table | None = None
    tableau_titre: str = ""
    notes: tuple[str, ...] = ()
    sous_blocs: tuple[CerfaBlock, ...] = ()


@dataclass(frozen=True, slots=True)
class CerfaContext:
    titre: str
    sous_titre: str
    cerfa_numero: str
    reference: str  # "" for a draft (no number yet)
    etat: str
    brouillon: bool
    avertissement: str
    blocs: tuple[CerfaBlock, ...]
    date_edition: str
    opco: Sender
    document_titre: str


# --- Courriers ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CourrierContext:
    type: str
    titre: str
    opco: Sender
    destinataire: Addressee
    date_emission: str
    lieu_date: str
    references: tuple[Field, ...]
    objet: str
    salutation: str
    paragraphes: tuple[str, ...]
    tableau: Table | None = None
    tableau_titre: str = ""
    paragraphes_apres: tuple[str, ...] = ()
    formule: str = ""
    signature: tuple[str, ...] = ()
    document_titre: str = ""


# --- Avis de paiement ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AvisPaiementContext:
    titre: str
    opco: Sender
    numero: str
    date_paiement: str
    beneficiaire: Addressee
    transaction: tuple[Field, ...]
    factures: Table
    date_edition: str
    document_titre: str
    mentions: tuple[str, ...] = field(default_factory=tuple)
