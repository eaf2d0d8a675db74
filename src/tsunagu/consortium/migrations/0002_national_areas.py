"""The 20 business areas of the national standardisation (reference facts)."""

from django.db import migrations

AREAS = [
    ("n01-juki", "住民基本台帳", "Resident register"),
    ("n02-senkyo", "選挙人名簿管理", "Electoral roll"),
    ("n03-kotei", "固定資産税", "Fixed asset tax"),
    ("n04-kojin", "個人住民税", "Individual resident tax"),
    ("n05-hojin", "法人住民税", "Corporate resident tax"),
    ("n06-keiji", "軽自動車税", "Light vehicle tax"),
    ("n07-koseki", "戸籍", "Family register"),
    ("n08-fuhyo", "戸籍附票", "Family register supplement"),
    ("n09-shugaku", "就学", "School enrolment"),
    ("n10-kenko", "健康管理", "Health management"),
    ("n11-jifu", "児童扶養手当", "Child-rearing allowance"),
    ("n12-seiho", "生活保護", "Public assistance"),
    ("n13-shogai", "障害者福祉", "Disability welfare"),
    ("n14-kaigo", "介護保険", "Long-term care insurance"),
    ("n15-kokuho", "国民健康保険", "National health insurance"),
    ("n16-koki", "後期高齢者医療", "Medical care for the elderly (75+)"),
    ("n17-nenkin", "国民年金", "National pension"),
    ("n18-kodomo", "子ども・子育て支援", "Child and childcare support"),
    ("n19-inkan", "印鑑登録", "Seal registration"),
    ("n20-jido", "児童手当", "Child allowance"),
]


def load(apps, schema_editor):
    BusinessArea = apps.get_model("consortium", "BusinessArea")
    for order, (code, name, name_en) in enumerate(AREAS, start=1):
        BusinessArea.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "national": True, "order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("consortium", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
