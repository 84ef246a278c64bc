"""Documents rendered on demand for a reader (the CERFA of a dossier, an avis de paiement): the
interfaces ask here, and a missing renderer or PDF converter is a 503, never a 500."""

from __future__ import annotations

from django.utils import timezone

from common.errors import ServiceUnavailable


def render_document(name: str, obj, fmt: str, what: str) -> bytes:
    """Lazily call a renderer of :mod:`documents` (503 when it, or its PDF converter, is unavailable)."""
    try:
        import documents

        render = getattr(documents, name)
    except (ImportError, AttributeError):
        raise ServiceUnavailable(
            f"{what} ne peut pas encore être produit : le module de rendu n'est pas installé."
        ) from None
    try:
        from documents.errors import DocumentError
    except ImportError:  # pragma: no cover - documents always ships its errors
        DocumentError = RuntimeError  # noqa: N806
    try:
        return render(obj, fmt, today=timezone.localdate())
    except DocumentError as exc:
        raise ServiceUnavailable(f"{what} ne peut pas être produit pour le moment : {exc}") from None


def guide_pdf() -> bytes:
    """« Mon guide » as a PDF (503 when the PDF converter is unavailable)."""
    from documents.errors import DocumentError
    from documents.guide import guide_pdf as render

    try:
        return render()
    except DocumentError as exc:
        raise ServiceUnavailable(f"Le guide ne peut pas être produit en PDF pour le moment : {exc}") from None
