from django.db import migrations


def seed(apps, schema_editor):
    from rules.remuneration import SMIC_REFERENCE

    ReferenceSmic = apps.get_model("cases", "ReferenceSmic")
    for value in SMIC_REFERENCE:
        ReferenceSmic.objects.get_or_create(
            date_effet=value.effective,
            defaults={
                "horaire": value.hourly,
                "mensuel": value.monthly,
                "horaire_mayotte": value.hourly_mayotte,
                "mensuel_mayotte": value.monthly_mayotte,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_reference_smic")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
