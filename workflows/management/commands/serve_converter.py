"""Run the PDF converter (a LibreOffice listener, unoserver) in the foreground, on fixed ports, for every
process of the machine: flow runs, the web server and the demo's seeding adopt it instead of starting
their own LibreOffice (``PORTAIL_UNOSERVER_PORT`` / ``PORTAIL_UNOSERVER_UNO_PORT``).

Supervised: checked every few seconds, restarted when LibreOffice dies; stopped with its processes on
SIGTERM/SIGINT. ``bin/demo`` starts one; a worker machine runs one per worker (each its own ports)."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Démarre et surveille le convertisseur PDF (LibreOffice, unoserver) sur des ports fixes."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, help="Port XML-RPC (défaut : PORTAIL_UNOSERVER_PORT).")
        parser.add_argument(
            "--uno-port", type=int, help="Port UNO de LibreOffice (défaut : PORTAIL_UNOSERVER_UNO_PORT)."
        )
        parser.add_argument("--check", type=float, default=5.0, help="Secondes entre deux contrôles (5).")

    def handle(self, *args, port=None, uno_port=None, check=5.0, **options):
        from documents.converters import ConverterUnavailable, UnoserverConverter

        port = port or getattr(settings, "PORTAIL_UNOSERVER_PORT", None)
        uno_port = uno_port or getattr(settings, "PORTAIL_UNOSERVER_UNO_PORT", None)
        if not (port and uno_port):
            raise CommandError("Indiquez les ports (--port et --uno-port, ou PORTAIL_UNOSERVER_PORT et _UNO_PORT).")
        converter = UnoserverConverter(
            port=port,
            uno_port=uno_port,
            timeout=getattr(settings, "PORTAIL_PDF_TIMEOUT", None),
            start_timeout=getattr(settings, "PORTAIL_PDF_START_TIMEOUT", None),
        )
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        try:
            converter.start()
        except ConverterUnavailable as exc:
            raise CommandError(str(exc)) from exc
        self._warm_up(converter)
        self.stdout.write(f"Convertisseur PDF prêt sur le port {port} (pid {converter.pid}).")
        self.stdout.flush()
        try:
            while not stop.wait(check):
                if not converter.is_healthy(deep=True):
                    self.stderr.write("Convertisseur PDF hors service : redémarrage.")
                    try:
                        converter.stop()
                        converter.start()
                        self._warm_up(converter)
                        self.stdout.write(f"Convertisseur PDF redémarré (pid {converter.pid}).")
                    except ConverterUnavailable as exc:
                        self.stderr.write(f"Redémarrage impossible : {exc}")
        finally:
            converter.close()

    def _warm_up(self, converter) -> None:
        """Convert the letter template once: LibreOffice loads its filters and fonts before the first courrier."""
        import io

        from documents import styles
        from documents.errors import DocumentError
        from documents.templates import load_template

        try:
            buffer = io.BytesIO()
            load_template(styles.COURRIER_TEMPLATE).save(buffer)
            converter.convert(buffer.getvalue())
        except DocumentError as exc:
            self.stderr.write(f"Préchauffage du convertisseur impossible : {exc}")
