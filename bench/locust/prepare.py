"""Prepares the load test of ``bench/load_locust.sh`` in the 200 000-dossier database: 50 OF users
(gestionnaires of OF GENERIQUE, all rights), a session for each, the objects they read and download, and
one dossier awaiting pièces per user for the deposit. Writes the JSON the locustfile reads."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402

from accounts.models import Etablissement, Habilitation, User  # noqa: E402
from cases.management.demo_data.common import demo_pdf  # noqa: E402
from cases.models import Courrier, Dossier, Facture, StatutCourrier  # noqa: E402
from rules.actions import Role  # noqa: E402

USERS = 50


def main(out: Path) -> None:
    of = Etablissement.objects.get(siret="99999999900009")
    sessions = []
    for i in range(USERS):
        user, _ = User.objects.get_or_create(
            email=f"charge.{i:02d}@of-generique.example", defaults={"nom": f"CHARGE{i:02d}", "prenom": "Bench"}
        )
        Habilitation.objects.get_or_create(
            user=user, etablissement=of, defaults={"role": Role.GESTIONNAIRE_OF, "principal": True}
        )
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    # Files to download: one real PDF, stored under a random name, behind the courriers and factures read.
    stored = default_storage.save("bench/charge.pdf", ContentFile(demo_pdf("Courrier de charge")))
    courriers = list(
        Courrier.objects.filter(of_etablissement=of, statut=StatutCourrier.EMIS).values_list("pk", flat=True)[:200]
    )
    Courrier.objects.filter(pk__in=courriers).update(fichier=stored)
    factures = list(Facture.objects.filter(emetteur=of).values_list("pk", flat=True)[:200])
    Facture.objects.filter(pk__in=factures).update(fichier=stored)
    dossiers = list(Dossier.objects.filter(of_etablissement=of).values_list("pk", flat=True)[:500])
    attente = list(
        Dossier.objects.filter(of_etablissement=of, etat="en_attente_de_pieces").values_list("pk", flat=True)[:USERS]
    )
    data = {
        "sessions": sessions,
        "courriers": courriers,
        "factures": factures,
        "dossiers": dossiers,
        "attente": attente,
    }
    out.write_text(json.dumps(data))
    print(
        f"{USERS} utilisateurs, {len(dossiers)} dossiers lus, {len(courriers)} courriers, {len(factures)} factures, "
        f"{len(attente)} dossiers en attente de pièces, {Dossier.objects.count()} dossiers en base"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
