"""The floor of the API's hot reads (issue 14): a bare WSGI application on the same PostgreSQL database
that answers the same three questions as the project with the best SQL we can write and no ORM, no
framework — the speed the project is measured against by ``bench/floor_bench.py``.

- ``GET /floor/tableau-de-bord``: the dashboard's counters (dossiers by dispositif and state, factures
  by state, échéances to invoice now and later, the établissement);
- ``GET /floor/dossiers?page=N``: a 50-row page of the apprenticeship contracts « en cours de
  traitement » sorted by name, with the total and each row's entreprise;
- ``GET /floor/dossiers/<id>``: the synthesis (header, OF, entreprise, financing lines, échéances, the
  latest 20 courriers, factures, pièces and events with their totals).

Each answer is ONE statement, authentication included (the ``X-API-KEY``'s SHA-256 is looked up in the
same statement as the data: no key, revoked, expired or another SIRET's dossier → 401/404), and the JSON
is built by PostgreSQL (``json_build_object``): Python only passes bytes. One connection per worker
process, autocommit; psycopg prepares a statement on the server after its fifth execution.

Run: ``FLOOR_DATABASE_URL=postgres://… gunicorn bench.floor.app:application -w 4 -b 127.0.0.1:PORT``.
``FLOOR_NONCE`` is answered by ``GET /floor/ping`` so that the bench knows it measures this process.
"""

from __future__ import annotations

import hashlib
import os
import re
from urllib.parse import parse_qs

import psycopg

EN_COURS = ["transmis", "en_cours_de_traitement", "avenant_en_instruction"]
EN_ATTENTE = ["en_attente_de_pieces"]
FACTURES_EN_ATTENTE = ["en_attente_de_pieces"]
FACTURES_EN_COURS = ["deposee", "en_cours_de_traitement", "validee"]
LATEST = 20
PAGE = 50

KEY = """k AS (
  SELECT k.etablissement_id AS etab FROM accounts_apikey k JOIN accounts_etablissement e ON e.id = k.etablissement_id
  WHERE k.key_hash = %(h)s AND k.revoked_at IS NULL AND k.expires_at > now() AND e.actif
)"""

DASHBOARD = f"""WITH {KEY},
today AS (SELECT (now() AT TIME ZONE 'Europe/Paris')::date AS d)
SELECT json_build_object(
  'etablissement', json_build_object('id', e.id, 'raison_sociale', e.raison_sociale, 'siret', e.siret),
  'dossiers', (SELECT COALESCE(json_agg(json_build_object('dispositif', x.dispositif, 'etat', x.etat,
                                                        'nombre', x.n)), '[]')
               FROM (SELECT d.dispositif, d.etat, COUNT(*) AS n FROM cases_dossier d
                     WHERE d.of_etablissement_id = k.etab AND etat = ANY(%(etats_d)s) GROUP BY 1, 2) x),
  'factures', (SELECT COALESCE(json_object_agg(x.etat, x.n), '{{}}')
               FROM (SELECT f.etat, COUNT(*) AS n FROM cases_facture f
                     WHERE f.emetteur_id = k.etab AND etat = ANY(%(etats_f)s) GROUP BY 1) x),
  'echeances', (SELECT json_build_object(
                  'a_facturer', COUNT(*) FILTER (WHERE x.date_ouverture <= today.d),
                  'montant_a_facturer', COALESCE(SUM(x.reste) FILTER (WHERE x.date_ouverture <= today.d), 0),
                  'a_venir', COUNT(*) FILTER (WHERE x.date_ouverture > today.d),
                  'montant_a_venir', COALESCE(SUM(x.reste) FILTER (WHERE x.date_ouverture > today.d), 0))
                FROM (SELECT x.date_ouverture, x.montant_total - x.montant_regle - x.montant_en_instruction AS reste
                      FROM cases_echeance x JOIN cases_dossier d ON d.id = x.dossier_id
                      WHERE d.of_etablissement_id = k.etab
                        AND x.montant_total - x.montant_regle - x.montant_en_instruction > 0) x),
  'notifications_non_lues', 0
)::text
FROM k JOIN accounts_etablissement e ON e.id = k.etab, today"""

LIST = f"""WITH {KEY},
page AS (
  SELECT d.id, d.numero, d.version, d.dispositif, d.etat, d.subroge, d.salarie_nom, d.salarie_prenom, d.entreprise_id,
         d.numero_depot, d.formation_intitule, d.contrat_date_debut, d.contrat_date_fin, d.created_at, d.updated_at
  FROM cases_dossier d, k
  WHERE d.of_etablissement_id = k.etab AND d.dispositif = 'apprentissage' AND etat = ANY(%(etats)s)
  ORDER BY d.salarie_nom, d.salarie_prenom, d.id LIMIT {PAGE} OFFSET %(offset)s
)
SELECT json_build_object(
  'total', (SELECT COUNT(*) FROM cases_dossier d, k
            WHERE d.of_etablissement_id = k.etab AND d.dispositif = 'apprentissage' AND etat = ANY(%(etats)s)),
  'page', %(page)s::int, 'taille', {PAGE},
  'elements', (SELECT COALESCE(json_agg(json_build_object(
      'id', p.id, 'numero', p.numero || '.' || p.version, 'dispositif', p.dispositif, 'etat', p.etat,
      'subroge', p.subroge, 'nom', p.salarie_nom, 'prenom', p.salarie_prenom,
      'etablissement', CASE WHEN e.id IS NULL THEN NULL ELSE json_build_object(
                            'id', e.id, 'siret', e.siret, 'raison_sociale', e.raison_sociale) END,
      'numero_deca', p.numero_depot, 'formation', p.formation_intitule, 'date_debut_contrat', p.contrat_date_debut,
      'date_fin_contrat', p.contrat_date_fin, 'date_creation', p.created_at, 'date_modification', p.updated_at,
      'lien', '/api/v1/dossiers/' || p.id) ORDER BY p.salarie_nom, p.salarie_prenom, p.id), '[]')
    FROM page p LEFT JOIN accounts_etablissement e ON e.id = p.entreprise_id)
)::text
FROM k"""

SYNTHESIS = f"""WITH {KEY}
SELECT json_build_object(
  'id', d.id, 'numero', d.numero || '.' || d.version, 'version', d.version, 'dispositif', d.dispositif,
  'etat', d.etat, 'subroge', d.subroge, 'numero_depot', d.numero_depot,
  'organisme_formation', json_build_object('id', o.id, 'raison_sociale', o.raison_sociale, 'siret', o.siret,
                                           'uai', o.uai, 'nda', o.nda),
  'entreprise', CASE WHEN en.id IS NULL THEN NULL ELSE json_build_object(
      'id', en.id, 'raison_sociale', en.raison_sociale, 'siret', en.siret, 'adresse', en.adresse,
      'code_postal', en.code_postal, 'ville', en.ville) END,
  'salarie', json_build_object('nom', d.salarie_nom, 'prenom', d.salarie_prenom,
                               'date_naissance', d.salarie_date_naissance),
  'formation', json_build_object('intitule', d.formation_intitule, 'rncp', d.formation_rncp,
                                 'date_debut', d.formation_date_debut, 'date_fin', d.formation_date_fin),
  'contrat', json_build_object('date_debut', d.contrat_date_debut, 'date_fin', d.contrat_date_fin,
                               'date_rupture', d.date_rupture, 'motif_rupture', d.motif_rupture),
  'financements', (SELECT COALESCE(json_agg(json_build_object('nature', l.nature, 'montant_demande', l.montant_demande,
                       'montant_pris_en_charge', l.montant_pris_en_charge) ORDER BY l.id), '[]')
                   FROM cases_lignefinancement l WHERE l.dossier_id = d.id),
  'echeances', (SELECT COALESCE(json_agg(json_build_object('numero', x.numero, 'date_ouverture', x.date_ouverture,
                    'date_debut', x.date_debut, 'date_fin', x.date_fin, 'montant_total', x.montant_total,
                    'montant_regle', x.montant_regle, 'montant_en_instruction', x.montant_en_instruction)
                    ORDER BY x.numero), '[]')
                FROM cases_echeance x WHERE x.dossier_id = d.id),
  'courriers', (SELECT COALESCE(json_agg(c), '[]') FROM (
                  SELECT c.id, c.type, c.destinataire, c.emis_at AS date_emission, c.fichier <> '' AS telechargeable
                  FROM cases_courrier c WHERE c.dossier_id = d.id AND c.statut = 'emis'
                  ORDER BY c.emis_at DESC, c.created_at DESC, c.id DESC LIMIT {LATEST}) c),
  'factures', (SELECT COALESCE(json_agg(f), '[]') FROM (
                  SELECT f.id, f.numero, f.reference, f.fichier AS nom_fichier, f.deposited_at AS date_envoi, f.etat
                  FROM cases_facture f
                  WHERE f.id IN (SELECT g.id FROM cases_facture g WHERE g.dossier_id = d.id
                                 UNION ALL SELECT l.facture_id FROM cases_factureligne l WHERE l.dossier_id = d.id)
                  ORDER BY f.deposited_at DESC, f.id DESC LIMIT {LATEST}) f),
  'pieces_jointes', (SELECT COALESCE(json_agg(p), '[]') FROM (
                  SELECT p.id, p.nom, p.taille, p.uploaded_at AS date_envoi FROM cases_piecejointe p
                  WHERE p.dossier_id = d.id ORDER BY p.uploaded_at DESC, p.id DESC LIMIT {LATEST}) p),
  'historique', (SELECT COALESCE(json_agg(h ORDER BY h.date, h.id), '[]') FROM (
                  SELECT t.id, t.created_at AS date, t.transition, t.source AS de, t.target AS vers,
                         CASE WHEN u.is_opco_gestionnaire THEN 'OPCO' ELSE t.actor_label END AS acteur,
                         t.channel AS canal, t.reason AS motif, t.details
                  FROM cases_transitionlog t LEFT JOIN accounts_user u ON u.id = t.actor_user_id
                  WHERE t.dossier_id = d.id ORDER BY t.created_at DESC, t.id DESC LIMIT {LATEST}) h),
  'totaux', json_build_object(
      'courriers', (SELECT COUNT(*) FROM cases_courrier c WHERE c.dossier_id = d.id AND c.statut = 'emis'),
      'factures', (SELECT COUNT(*) FROM cases_facture f
                   WHERE f.id IN (SELECT g.id FROM cases_facture g WHERE g.dossier_id = d.id
                                  UNION ALL SELECT l.facture_id FROM cases_factureligne l WHERE l.dossier_id = d.id)),
      'pieces_jointes', (SELECT COUNT(*) FROM cases_piecejointe p WHERE p.dossier_id = d.id),
      'historique', (SELECT COUNT(*) FROM cases_transitionlog t WHERE t.dossier_id = d.id)),
  'commentaire', d.commentaire, 'version_precedente_id', d.version_precedente_id,
  'avenant_id', (SELECT a.id FROM cases_dossier a WHERE a.version_precedente_id = d.id),
  'date_creation', d.created_at, 'date_transmission', d.transmitted_at, 'date_decision', d.decided_at
)::text
FROM k JOIN cases_dossier d ON d.of_etablissement_id = k.etab AND d.id = %(id)s
JOIN accounts_etablissement o ON o.id = d.of_etablissement_id
LEFT JOIN accounts_etablissement en ON en.id = d.entreprise_id"""

_connection: psycopg.Connection | None = None
_DOSSIER = re.compile(r"^/floor/dossiers/(\d{1,18})$")


def connection() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
    return _connection


def one(sql: str, params: dict) -> str | None:
    with connection().cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def respond(start_response, status: str, body: bytes):
    start_response(status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/floor/ping":
        return respond(start_response, "200 OK", os.environ.get("FLOOR_NONCE", "").encode())
    key = environ.get("HTTP_X_API_KEY", "")
    if not key:
        return respond(start_response, "401 Unauthorized", b'{"description": "cle manquante"}')
    h = hashlib.sha256(key.strip().encode()).hexdigest()
    if path == "/floor/tableau-de-bord":
        body = one(
            DASHBOARD, {"h": h, "etats_d": EN_COURS + EN_ATTENTE, "etats_f": FACTURES_EN_ATTENTE + FACTURES_EN_COURS}
        )
    elif path == "/floor/dossiers":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        page = max(1, int((query.get("page") or ["1"])[0]))
        body = one(LIST, {"h": h, "etats": ["en_cours_de_traitement"], "offset": (page - 1) * PAGE, "page": page})
    elif match := _DOSSIER.match(path):
        body = one(SYNTHESIS, {"h": h, "id": int(match.group(1))})
    else:
        return respond(start_response, "404 Not Found", b'{"description": "introuvable"}')
    if body is None:
        return respond(start_response, "404 Not Found", b'{"description": "introuvable"}')
    return respond(start_response, "200 OK", body.encode())
