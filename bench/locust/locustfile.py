"""50 OF users of the portal's API for the load test (``bench/load_locust.sh``): the dashboard, the lists,
a dossier's synthesis, downloads, and one deposit of a pièce per user. Each user has its own session
(prepared by ``prepare.py``); a think time of 1 to 3 s between actions."""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, task

DATA = json.loads(open(os.environ["PORTAIL_LOAD_DATA"], encoding="utf-8").read())
SESSIONS = itertools.count()
CSRF = "Qv7dK2pX9mZ4rT8wL1nB6cY3hF5gJ0sA"  # a 32-character CSRF secret, sent as cookie and header
PDF = open(os.environ["PORTAIL_LOAD_PDF"], "rb").read()


class UtilisateurOF(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        index = next(SESSIONS) % len(DATA["sessions"])
        self.client.cookies.set("sessionid", DATA["sessions"][index])
        self.client.cookies.set("csrftoken", CSRF)
        if index < len(DATA["attente"]):
            dossier = DATA["attente"][index]
            self.client.post(
                f"/api/v1/dossiers/{dossier}/pieces",
                files={"fichiers": (f"attestation-{index}.pdf", PDF, "application/pdf")},
                headers={"X-CSRFToken": CSRF},
                name="POST dépôt d'une pièce",
            )

    @task(3)
    def tableau_de_bord(self):
        self.client.get("/api/v1/tableau-de-bord", name="GET tableau de bord")

    @task(3)
    def liste_dossiers(self):
        tri = random.choice(["nom", "-date_debut_contrat", "numero"])
        self.client.get(
            f"/api/v1/dossiers?dispositif=apprentissage&tri={tri}&taille=50", name="GET liste de 50 dossiers"
        )

    @task(2)
    def liste_factures(self):
        self.client.get("/api/v1/factures?taille=50", name="GET liste de 50 factures")

    @task(3)
    def synthese(self):
        self.client.get(f"/api/v1/dossiers/{random.choice(DATA['dossiers'])}", name="GET synthèse d'un dossier")

    @task(1)
    def courrier(self):
        self.client.get(
            f"/api/v1/courriers/{random.choice(DATA['courriers'])}/fichier", name="GET téléchargement d'un courrier"
        )

    @task(1)
    def facture(self):
        self.client.get(
            f"/api/v1/factures/{random.choice(DATA['factures'])}/fichier", name="GET téléchargement d'une facture"
        )
