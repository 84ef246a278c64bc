"""Uploaded files judged by their content, not by their name: the type comes from the bytes, the
extension must agree with it, and the active content that a reader's software could run is refused.

- PDF: parsed with pypdf; JavaScript (``/JS``, ``/JavaScript``), launch actions (``/Launch``), embedded
  or attached files (``/EmbeddedFiles``, ``/EF``, file-attachment annotations), password protection and
  unreadable files are refused;
- DOCX/XLSX/ODT (ZIP containers): the container must be the document its extension names, without
  macros (``vbaProject.bin``, ODF ``Basic/`` scripts);
- PNG, JPEG: recognised by their signature.

Each check returns French messages naming the file; the services turn them into field-addressed
problems.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

from common.downloads import extension_of

PDF, PNG, JPEG, ZIP = "PDF", "PNG", "JPEG", "ZIP"
_SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG), (b"PK\x03\x04", ZIP))
# Extension → the content it must have.
EXTENSIONS = {"pdf": PDF, "png": PNG, "jpg": JPEG, "jpeg": JPEG, "docx": ZIP, "xlsx": ZIP, "odt": ZIP}
ACCEPTED = "PDF, PNG, JPEG, DOCX, XLSX, ODT"
MIME = {PDF: "application/pdf", PNG: "image/png", JPEG: "image/jpeg", ZIP: "application/zip"}
# Objects visited in a PDF before giving up (a scanned document has a few hundred).
MAX_PDF_OBJECTS = 200_000
_ZIP_MEMBERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "odt": "content.xml"}
_ZIP_LABELS = {"docx": "un document Word (DOCX)", "xlsx": "un classeur Excel (XLSX)", "odt": "un texte OpenDocument"}


def sniff(content: bytes) -> str | None:
    """The kind of content (``"PDF"``, ``"PNG"``, ``"JPEG"``, ``"ZIP"``) from its first bytes."""
    for magic, kind in _SIGNATURES:
        if content.startswith(magic):
            return kind
    return None


def inspect(name: str, content: bytes, *, pdf_only: bool = False) -> list[str]:
    """Why this file is refused (French messages), or ``[]``."""
    label = f"« {name} »"
    kind = sniff(content)
    ext = extension_of(name)
    if pdf_only and kind != PDF:
        return [f"Le fichier {label} n'est pas un PDF."]
    if kind is None:
        return [f"Le type du fichier {label} n'est pas accepté ({ACCEPTED})."]
    if ext not in EXTENSIONS:
        expected = "« .pdf »" if kind == PDF else "« .png »" if kind == PNG else "« .jpg »" if kind == JPEG else None
        hint = f" : nommez-le avec l'extension {expected}" if expected else f" ({ACCEPTED})"
        return [f"L'extension du fichier {label} n'est pas acceptée{hint}."]
    if EXTENSIONS[ext] != kind:
        found = "un document bureautique (ZIP)" if kind == ZIP else f"un {kind}"
        return [f"Le fichier {label} est {found} : son extension « .{ext} » ne correspond pas à son contenu."]
    if kind == PDF:
        return _pdf_problems(label, content)
    if kind == ZIP:
        return _zip_problems(label, ext, content)
    return []


# --- PDF ---------------------------------------------------------------------------------------------


def pdf_threats(content: bytes) -> set[str]:
    """What a PDF carries that must not reach a reader: ``javascript``, ``lancement``, ``fichiers``,
    ``chiffre`` (a password is needed to open it), ``illisible``, ``trop_complexe``."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    try:
        reader = PdfReader(BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return {"chiffre"}
        found: set[str] = set()
        stack: list = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        visited = 0
        while stack:
            obj = stack.pop()
            if isinstance(obj, IndirectObject):
                ref = (obj.idnum, obj.generation)
                if ref in seen:
                    continue
                seen.add(ref)
                obj = obj.get_object()
            visited += 1
            if visited > MAX_PDF_OBJECTS:
                return found | {"trop_complexe"}
            if isinstance(obj, DictionaryObject):
                for key, value in obj.items():
                    if key in ("/JS", "/JavaScript"):
                        found.add("javascript")
                    elif key in ("/EmbeddedFiles", "/EF"):
                        found.add("fichiers")
                    elif key in ("/S", "/Subtype"):
                        target = value.get_object() if isinstance(value, IndirectObject) else value
                        if target == "/Launch":
                            found.add("lancement")
                        elif target == "/JavaScript":
                            found.add("javascript")
                        elif target in ("/FileAttachment", "/EmbeddedFile"):
                            found.add("fichiers")
                    elif key == "/Launch":
                        found.add("lancement")
                    stack.append(value)
            elif isinstance(obj, ArrayObject):
                stack.extend(obj)
        return found
    except Exception:  # noqa: BLE001 - whatever pypdf cannot read is a damaged PDF for us
        return {"illisible"}


_PDF_MESSAGES = {
    "javascript": "Le PDF {label} contient du JavaScript, refusé pour la sécurité des destinataires : "
    "enregistrez-le de nouveau avec « Imprimer › Enregistrer au format PDF », puis déposez cette copie.",
    "lancement": "Le PDF {label} contient une action qui lance un programme, refusée : "
    "enregistrez-le de nouveau avec « Imprimer › Enregistrer au format PDF », puis déposez cette copie.",
    "fichiers": "Le PDF {label} contient des fichiers joints, refusés : déposez chaque document séparément.",
    "chiffre": "Le PDF {label} est protégé par un mot de passe : déposez une version sans mot de passe.",
    "illisible": "Le PDF {label} est illisible ou endommagé : enregistrez-le de nouveau puis réessayez.",
    "trop_complexe": "Le PDF {label} est trop complexe pour être vérifié : enregistrez-le de nouveau "
    "avec « Imprimer › Enregistrer au format PDF », puis déposez cette copie.",
}


def _pdf_problems(label: str, content: bytes) -> list[str]:
    threats = pdf_threats(content)
    return [_PDF_MESSAGES[t].format(label=label) for t in _PDF_MESSAGES if t in threats]


# --- Office documents (ZIP containers) -----------------------------------------------------------------


def _zip_problems(label: str, ext: str, content: bytes) -> list[str]:
    mismatch = f"Le fichier {label} n'est pas {_ZIP_LABELS[ext]} : son extension ne correspond pas à son contenu."
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            names = archive.namelist()
            if ext == "odt" and archive.read("mimetype")[:64] != b"application/vnd.oasis.opendocument.text":
                return [mismatch]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, NotImplementedError):
        return [f"Le fichier {label} est illisible ou endommagé : enregistrez-le de nouveau puis réessayez."]
    if _ZIP_MEMBERS[ext] not in names:
        return [mismatch]
    lowered = [n.lower() for n in names]
    if any(n.endswith("vbaproject.bin") or n.startswith("basic/") or n.startswith("scripts/") for n in lowered):
        return [f"Le fichier {label} contient des macros, refusées : enregistrez-le sans macros puis réessayez."]
    return []
