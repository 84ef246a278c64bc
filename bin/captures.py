"""Screenshots of every screen of the portal, taken on a running demo (``bin/demo``) with Debian's
Chromium, into ``docs/captures/``. The README shows the main ones.

    bin/captures                       # the demo on 127.0.0.1:8000
    PORTAIL_ADDR=127.0.0.1:8090 bin/captures
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "captures"
BASE = "http://" + os.environ.get("PORTAIL_ADDR", "127.0.0.1:8000")
ADMIN = ("maryline.gadras@of-generique.example", "admin-of-generique")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


def api_ids(page) -> dict:
    """Objects of the demo to show: through the API, with the browser's session."""

    def get(path: str) -> dict:
        response = page.request.get(BASE + "/api/v1" + path)
        assert response.ok, (path, response.status)
        return response.json()

    accorde = get("/dossiers?dispositif=apprentissage&etat=accorde&subroge=true&taille=1")["elements"][0]
    brouillon = get("/dossiers?dispositif=apprentissage&vue=brouillon&taille=1")["elements"][0]
    facture = get("/factures?taille=1&tri=-date_reception")["elements"][0]
    paiement = get("/paiements?taille=1")["elements"][0]
    users = get("/habilitations/utilisateurs?taille=20")["elements"]
    other = next(u for u in users if u["email"] != ADMIN[0])
    etab = get("/habilitations/etablissements")[0]
    return {
        "accorde": accorde["id"],
        "brouillon": brouillon["id"],
        "facture": facture["id"],
        "reglement": paiement["id"],
        "user": other["id"],
        "etablissement": etab["id"],
    }


SCREENS = [
    # (file, path, full page)
    ("01-tableau-de-bord", "/tableau-de-bord/", True),
    ("02-notifications", "/notifications/", False),
    ("03-contrats-apprentissage", "/dossiers/apprentissage/", False),
    ("04-brouillons", "/dossiers/apprentissage/?vue=brouillon", False),
    ("05-contrats-professionnalisation", "/dossiers/professionnalisation/", False),
    ("06-synthese-dossier", "/dossiers/{accorde}/", True),
    ("07-saisie-nouveau-contrat", "/contrats/apprentissage/nouveau/", False),
    ("08-saisie-brouillon", "/contrats/apprentissage/{brouillon}/", False),
    ("09-ajouter-pieces", "/dossiers/{accorde}/pieces/", False),
    ("10-deposer-facture", "/dossiers/{accorde}/facture/", False),
    ("11-declarer-rupture", "/dossiers/{accorde}/rupture/", False),
    ("12-avenant", "/dossiers/{accorde}/avenant/", False),
    ("13-factures", "/factures/", False),
    ("14-facture", "/factures/{facture}/", True),
    ("15-paiements", "/paiements/", False),
    ("16-paiement", "/paiements/{reglement}/", False),
    ("17-utilisateurs", "/habilitations/utilisateurs/", True),
    ("18-inviter-utilisateur", "/habilitations/utilisateurs/inviter/", False),
    ("19-utilisateur", "/habilitations/utilisateurs/{user}/", False),
    ("20-etablissements", "/habilitations/etablissements/", False),
    ("21-etablissement", "/habilitations/etablissements/{etablissement}/", False),
    ("22-cle", "/habilitations/cle/", False),
    ("23-preferences", "/mon-compte/notifications/", False),
    ("24-guide", "/guide/", False),
]


def main() -> None:
    try:
        urllib.request.urlopen(BASE + "/connexion/", timeout=5)
    except OSError:
        sys.exit(f"Aucun portail ne répond sur {BASE} : lancez d'abord bin/demo.")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page.goto(BASE + "/connexion/")
        page.screenshot(path=str(OUT / "00-connexion.jpg"), quality=80)
        page.goto(BASE + "/mot-de-passe-oublie/")
        page.screenshot(path=str(OUT / "00-mot-de-passe-oublie.jpg"), quality=80)
        page.goto(BASE + "/connexion/")
        page.get_by_label("Adresse e-mail").fill(ADMIN[0])
        page.get_by_label(re.compile("^Mot de passe")).fill(ADMIN[1])
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(BASE + "/tableau-de-bord/")
        ids = api_ids(page)
        for name, path, full in SCREENS:
            page.goto(BASE + path.format(**ids))
            page.screenshot(path=str(OUT / f"{name}.jpg"), full_page=full, quality=80)
            print(f"{name}.jpg  {page.title()}")
        # The saisie with its inline errors and the rémunération table computed live.
        page.goto(BASE + f"/contrats/apprentissage/{ids['brouillon']}/")
        page.get_by_role("button", name="Vérifier", exact=True).click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / "25-saisie-verification.jpg"), quality=80)
        # A tablet.
        page.set_viewport_size({"width": 768, "height": 1024})
        page.goto(BASE + "/tableau-de-bord/")
        page.screenshot(path=str(OUT / "26-tablette-tableau-de-bord.jpg"), quality=80)
        browser.close()
    print(json.dumps({"captures": len(list(OUT.glob("*.jpg"))), "dossier": str(OUT)}))


if __name__ == "__main__":
    main()
