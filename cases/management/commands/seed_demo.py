"""Load the demo data (the user guide's OF GENERIQUE and its partners) and, with ``--scale N``,
N more dossiers for load measurements. See :mod:`cases.management.demo_data`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from cases.management.demo_data import (
    DEMO_TLD,
    OF_GENERIQUE_SIRET,
    OF_GENERIQUE_UAI,
    USERS,
    DemoSeeder,
    MassSeeder,
    fr_int,
    reset_demo,
)


def _analyze() -> str:
    """Planner statistics and, on PostgreSQL, the visibility map (index-only scans) after a bulk insert:
    autovacuum would get there, later."""
    # VACUUM cannot run inside a transaction (a caller's atomic block, a test): ANALYZE alone then.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    statement = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(statement)
    return statement


class Command(BaseCommand):
    help = (
        "Crée les données de démonstration : OF GENERIQUE (SIRET 99999999900009) et son antenne, ENTREPRISE "
        "FICTIVE, LA CENTRALE AMBULANCES, un employeur public, le CFA DU LITTORAL, des dossiers de chaque "
        "dispositif dans chaque état, factures, règlements, courriers, notifications et comptes de démonstration. "
        "Relancer la commande n'ajoute rien ; --scale N ajoute N dossiers générés en masse."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help=f"Supprime d'abord les données de démonstration (établissements et utilisateurs dont l'e-mail "
            f"finit par « {DEMO_TLD} », et tout ce qui s'y rattache).",
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Ajoute N dossiers générés en masse (insertion par lots), pour les mesures de charge.",
        )
        parser.add_argument("--batch-size", type=int, default=5_000, help="Taille des lots de --scale (5 000).")
        parser.add_argument(
            "--comptes", action="store_true", help="Affiche seulement les comptes de démonstration (rien n'est créé)."
        )
        parser.add_argument("--seed", type=int, default=20221014, help="Graine du tirage aléatoire de --scale.")

    def handle(self, *args, reset=False, scale=0, batch_size=5_000, seed=20221014, comptes=False, **options):
        if comptes:
            self._print_logins()
            return
        if scale < 0:
            raise CommandError("--scale attend un nombre positif de dossiers.")
        verbose = options.get("verbosity", 1) >= 1
        now = timezone.now().replace(microsecond=0)

        if reset:
            deleted = reset_demo()
            details = ", ".join(f"{fr_int(n)} {label}" for label, n in deleted.items() if n)
            self.stdout.write(f"Données de démonstration supprimées : {details or 'aucune'}.")

        report = DemoSeeder(now=now).run()
        counts = report.counts
        if report.created:
            self.stdout.write(self.style.SUCCESS("Données de démonstration créées."))
        else:
            self.stdout.write(
                "Les données de démonstration existent déjà : rien n'est ajouté (--reset pour les recréer)."
            )
        self.stdout.write(
            f"  OF GENERIQUE, son antenne et CFA DU LITTORAL : {counts['dossiers']} dossiers, "
            f"{counts['factures']} factures, {counts['reglements']} règlements, {counts['courriers']} courriers "
            f"(dont {counts['courriers_emis']} émis), {counts['notifications']} notifications "
            f"(dont {counts['notifications_non_lues']} non lues), {counts['pieces']} pièces jointes, "
            f"{counts['journal']} entrées de journal."
        )
        if report.erreur_courriers:
            self.stderr.write(
                "  Attention : l'émission des courriers a échoué, ils restent dans la file d'attente "
                f"(« {report.erreur_courriers} »)."
            )
        if report.refus_public:
            self.stdout.write(f"  Employeur public (COMMUNE DE SEVRES) refusé au dépôt : « {report.refus_public} »")

        if scale:
            self.stdout.write(f"Génération de {fr_int(scale)} dossiers en masse (lots de {fr_int(batch_size)})…")
            mass = MassSeeder(now=now, seed=seed, batch_size=batch_size, out=self._progress).run(scale)
            # Fresh planner statistics: without them the dashboard's plan is ~7× slower (issue 14).
            analyzed = _analyze()
            rate = mass.dossiers / mass.seconds if mass.seconds else 0
            self.stdout.write(
                self.style.SUCCESS(
                    f"{fr_int(mass.dossiers)} dossiers ajoutés en {mass.seconds:.1f} s "
                    f"({fr_int(int(rate))} dossiers/s) : "
                    f"dont {fr_int(mass.avenants)} avenants, {fr_int(mass.financements)} lignes de financement, "
                    f"{fr_int(mass.factures)} factures, {fr_int(mass.reglements)} règlements, "
                    f"{fr_int(mass.journal)} entrées de journal, {fr_int(mass.etablissements)} nouveaux établissements."
                )
            )
            if analyzed:
                self.stdout.write(f"Statistiques du planificateur recalculées ({analyzed}).")

        if verbose:
            self._print_logins()

    def _progress(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _print_logins(self) -> None:
        width = max(len(u.email) for u in USERS) + 2
        pwd = max(len(u.password) for u in USERS) + 2
        self.stdout.write("")
        self.stdout.write("Comptes de démonstration :")
        self.stdout.write(f"  {'E-mail'.ljust(width)}{'Mot de passe'.ljust(pwd)}Rôle")
        for user in USERS:
            self.stdout.write(f"  {user.email.ljust(width)}{user.password.ljust(pwd)}{user.role}")
        self.stdout.write(
            "  (mots de passe posés à la création des comptes ; une exécution suivante ne les modifie pas)"
        )
        self.stdout.write(
            f"  OF GENERIQUE : SIRET {OF_GENERIQUE_SIRET} (celui du guide utilisateur), UAI {OF_GENERIQUE_UAI} "
            "(celle du guide, 0070070X, avec sa lettre de contrôle corrigée)."
        )
