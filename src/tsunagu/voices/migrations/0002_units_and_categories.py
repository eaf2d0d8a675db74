"""The 都 units that answer voices and the categories with their published targets.

Reference data, loaded for every installation; 都 can change targets and thresholds later.
"""

from django.db import migrations

UNITS = [
    (
        "dx-support",
        "デジタルサービス局 戦略部 区市町村DX支援課",
        "Bureau of Digital Services, Municipal DX Support Section",
    ),
    (
        "security-cloud",
        "デジタルサービス局 デジタル基盤部 セキュリティクラウド担当",
        "Bureau of Digital Services, Digital Infrastructure: Security Cloud",
    ),
    (
        "talent",
        "デジタルサービス局 戦略部 デジタル人材担当",
        "Bureau of Digital Services, Digital Talent",
    ),
    (
        "standardisation",
        "デジタルサービス局 戦略部 標準化・共同利用担当",
        "Bureau of Digital Services, Standardisation and Joint Use",
    ),
]

# key, name, name_en, unit, acknowledge within (days), answer within (days)
CATEGORIES = [
    ("security-cloud", "セキュリティクラウド・ネットワーク", "Security cloud and network",
     "security-cloud", 5, 30),
    ("talent", "デジタル人材・研修", "Digital talent and training", "talent", 5, 45),
    ("standardisation", "標準化・共同利用", "Standardisation and joint use",
     "standardisation", 5, 60),
    ("funding", "財政支援・補助金", "Funding and subsidies", "dx-support", 5, 60),
    ("procurement", "調達・契約", "Procurement and contracts", "dx-support", 5, 45),
    ("other", "その他", "Other", "dx-support", 10, 60),
]


def load(apps, schema_editor):
    Unit = apps.get_model("voices", "TokyoUnit")
    Category = apps.get_model("voices", "Category")
    units = {}
    for key, name, name_en in UNITS:
        units[key], _ = Unit.objects.get_or_create(
            key=key, defaults={"name": name, "name_en": name_en}
        )
    for key, name, name_en, unit, ack, answer in CATEGORIES:
        Category.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "name_en": name_en,
                "unit": units[unit],
                "ack_days": ack,
                "answer_days": answer,
                "agenda_threshold": 5,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("voices", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
