"""A client of the inter-OPCO « API CFA » norm, written only from the norm notes
(``shared/domain/api-cfa-norm.md``): one base URL per OPCO, the CFA's key in ``X-API-KEY`` and the
software's ``EDITEUR``/``LOGICIEL``/``VERSION`` on every call, JSON deposits ``{"cerfa": {…}}``,
multipart deposits (a JSON part and ``fichier``), state feeds read page by page from ``numeroPage=1``
until an empty page or ``total``. It knows nothing of the portal's own API or code.

It speaks through Django's test client (the HTTP layer of the suite), but only with paths relative to
its base URL, headers and bodies — what a CFA's software would send over the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.test import Client


class NormError(Exception):
    def __init__(self, status: int, body: dict) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    @property
    def codes(self) -> set[str]:
        return {e.get("code") for e in self.body.get("errors", [])}

    @property
    def champs(self) -> set[str]:
        return {e.get("champ") for e in self.body.get("errors", [])}


@dataclass
class NormClient:
    base_url: str
    key: str
    editeur: str = "EDITEUR DE TEST"
    logiciel: str = "GESTION CFA"
    version: str = "4.2.1"
    http: Client = field(default_factory=Client)
    last_headers: dict = field(default_factory=dict)

    def headers(self, **extra: str) -> dict:
        headers = {"X-API-KEY": self.key, "EDITEUR": self.editeur, "LOGICIEL": self.logiciel, "VERSION": self.version}
        headers.update(extra)
        return headers

    def _answer(self, response):
        self.last_headers = dict(response.items())
        body = response.json()
        if response.status_code != 200:
            raise NormError(response.status_code, body)
        return body

    def get(self, path: str, **params):
        return self._answer(self.http.get(self.base_url + path, params, headers=self.headers()))

    def post_json(self, path: str, payload: dict, *, idempotency_key: str | None = None):
        extra = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._answer(
            self.http.post(
                self.base_url + path,
                json.dumps(payload),
                content_type="application/json",
                headers=self.headers(**extra),
            )
        )

    def post_multipart(self, path: str, part: str, payload: dict, pdf: bytes, *, idempotency_key: str | None = None):
        from django.core.files.uploadedfile import SimpleUploadedFile

        extra = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        data = {part: json.dumps(payload), "fichier": SimpleUploadedFile("document.pdf", pdf, "application/pdf")}
        return self._answer(self.http.post(self.base_url + path, data, headers=self.headers(**extra)))

    # --- The norm's calls ------------------------------------------------------------------------

    def status(self):
        return self.get("/v1/status")

    def deposer_contrat(self, cerfa: dict, *, version: str = "v2", idempotency_key: str | None = None) -> dict:
        return self.post_json(f"/{version}/dossiers", {"cerfa": cerfa}, idempotency_key=idempotency_key)

    def dossier(self, numero_interne: str, *, version: str = "v2") -> dict:
        return self.get(f"/{version}/dossiers", numeroInterne=numero_interne)

    def etats_dossiers(self, *, version: str = "v2", **filters):
        """Every page of the state feed, from page 1 until an empty page or ``total`` (as S2's client does)."""
        results, page = [], 1
        while True:
            body = self.get(f"/{version}/dossiers/etats", numeroPage=page, **filters)
            if isinstance(body, list):  # some servers wrap the page in a one-element array
                body = body[0]
            items = body["EtatDossierResult"]
            results.extend(items)
            if not items or len(results) >= body["total"]:
                return results
            page += 1

    def etats_factures(self):
        results, page = [], 1
        while True:
            body = self.get("/v2/factures/etats", numeroPage=page)
            items = body["factures"]
            results.extend(items)
            if not items or len(results) >= body["total"]:
                return results
            page += 1

    def deposer_convention(self, convention: dict, pdf: bytes, **kw) -> dict:
        return self.post_multipart("/v1/conventions", "convention", convention, pdf, **kw)

    def deposer_facture(self, facture: dict, pdf: bytes, **kw) -> dict:
        return self.post_multipart("/v1/factures", "facture", facture, pdf, **kw)

    def rupture(self, payload: dict, **kw) -> dict:
        return self.post_json("/v2/dossiers/rupture/employeur", payload, **kw)
