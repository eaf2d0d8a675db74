"""Load the 63 organisations from the shipped data file (and update them when it changes)."""

from django.db import migrations


def load(apps, schema_editor):
    from tsunagu.core.orgdata import load_rows

    Organization = apps.get_model("core", "Organization")
    for row in load_rows():
        Organization.objects.update_or_create(
            code=row.code,
            defaults={
                "name": row.name,
                "name_kana": row.name_kana,
                "name_en": row.name_en,
                "slug": row.slug,
                "kind": row.kind,
                "region": row.region,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
