"""Draw the lifecycle tables of rules.lifecycles into docs/state-graphs.md (Mermaid)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from rules.lifecycles import (
    DOSSIER_LIFECYCLES,
    ETAT_DOSSIER_LABELS,
    ETAT_FACTURE_LABELS,
    FACTURE_LIFECYCLE,
    INITIAL_DOSSIER_STATE,
    INITIAL_FACTURE_STATE,
    render_markdown,
)

TARGET = Path(settings.BASE_DIR) / "docs" / "state-graphs.md"


class Command(BaseCommand):
    help = "Dessine les cycles de vie (dossiers par dispositif, factures) dans docs/state-graphs.md."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Échoue si le fichier n'est pas à jour.")

    def handle(self, *args, check=False, **options):
        text = render_markdown(
            DOSSIER_LIFECYCLES,
            INITIAL_DOSSIER_STATE,
            ETAT_DOSSIER_LABELS,
            FACTURE_LIFECYCLE,
            INITIAL_FACTURE_STATE,
            ETAT_FACTURE_LABELS,
        )
        if check:
            current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
            if current != text:
                raise SystemExit("docs/state-graphs.md n'est pas à jour : lancez manage.py draw_lifecycles.")
            self.stdout.write("docs/state-graphs.md est à jour.")
            return
        TARGET.write_text(text, encoding="utf-8")
        self.stdout.write(f"Écrit : {TARGET}")
