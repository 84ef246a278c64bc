"""The « amorçage » amounts of the arrêté of 31 August 2022 (contracts concluded from 1 September 2022):
the annual NPEC of a certification level when its pair (RNCP, IDCC) has none. Editable in the back office."""

from datetime import date
from decimal import Decimal

from django.db import migrations

AMORCAGE_2022 = {3: "5470.00", 4: "5621.00", 5: "6000.00", 6: "6000.00", 7: "7000.00", 8: "7000.00"}


def seed(apps, schema_editor):
    model = apps.get_model("cases", "ReferenceNpecAmorcage")
    for niveau, montant in AMORCAGE_2022.items():
        model.objects.get_or_create(
            niveau=niveau, date_debut=date(2022, 9, 1), defaults={"montant_annuel": Decimal(montant)}
        )


def unseed(apps, schema_editor):
    apps.get_model("cases", "ReferenceNpecAmorcage").objects.filter(date_debut=date(2022, 9, 1)).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_financement_npec_echeances_lignes")]

    operations = [migrations.RunPython(seed, unseed)]
