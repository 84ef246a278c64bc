"""Loading the DOCX templates: found, readable, complete — or a clear :class:`TemplateError`.

Templates live in ``documents/templates/`` (``PORTAIL_DOCUMENT_TEMPLATES_DIR`` points elsewhere, e.g.
to a restyled copy). Their bytes are cached per (path, modification time, size): an edited file is
picked up at the next rendering, without a restart.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from pathlib import Path

from django.conf import settings
from docx import Document
from docx.opc.exceptions import PackageNotFoundError

from documents import styles as S
from documents.errors import TemplateError

DEFAULT_DIR = Path(__file__).resolve().parent / "templates"
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

_cache: dict[Path, tuple[tuple[int, int], bytes]] = {}
_cache_lock = threading.Lock()


def templates_dir() -> Path:
    configured = getattr(settings, "PORTAIL_DOCUMENT_TEMPLATES_DIR", None)
    return Path(configured) if configured else DEFAULT_DIR


def template_path(name: str) -> Path:
    return templates_dir() / name


def _read(path: Path) -> bytes:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise TemplateError(
            f"Le modèle de document « {path.name} » est introuvable ({path}). "
            "Régénérez les modèles par défaut avec « python -m documents.build_templates »."
        ) from None
    except OSError as exc:
        raise TemplateError(f"Le modèle de document « {path.name} » est illisible : {exc}.") from exc
    key = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(path)
        if cached and cached[0] == key:
            return cached[1]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"Le modèle de document « {path.name} » est illisible : {exc}.") from exc
    with _cache_lock:
        _cache[path] = (key, data)
    return data


def load_template(name: str, *, required_styles: tuple[str, ...] = S.ALL_STYLES):
    """A fresh python-docx ``Document`` from the named template, checked for the styles it must hold."""
    path = template_path(name)
    data = _read(path)
    try:
        doc = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TemplateError(
            f"Le modèle de document « {path.name} » est corrompu ou n'est pas un fichier Word (.docx) valide "
            f"({type(exc).__name__}). Restaurez-le ou régénérez-le avec « python -m documents.build_templates »."
        ) from exc
    except Exception as exc:  # lxml errors and the like: a broken XML part
        raise TemplateError(
            f"Le modèle de document « {path.name} » est corrompu ({type(exc).__name__} : {exc}). "
            "Restaurez-le ou régénérez-le avec « python -m documents.build_templates »."
        ) from exc
    present = {style.name for style in doc.styles}
    missing = [name for name in required_styles if name not in present]
    if missing:
        raise TemplateError(
            f"Le modèle de document « {path.name} » ne contient pas le(s) style(s) "
            + ", ".join(f"« {m} »" for m in missing)
            + ". Les styles « Portail … » peuvent être modifiés mais pas renommés ni supprimés."
        )
    return doc


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
