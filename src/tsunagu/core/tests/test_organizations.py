from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import AuditEntry, Organization
from tsunagu.core.orgdata import check_digit, load_rows, valid_code
from tsunagu.core.selectors import organization_get, organization_list
from tsunagu.core.services import organization_set_mfa_policy, organization_update_profile

SHARED_CSV = Path(__file__).resolve().parents[5] / "shared" / "data" / "tokyo_municipalities.csv"


@pytest.mark.django_db
def test_the_migration_loads_all_63_organisations():
    assert Organization.objects.count() == 63
    assert Counter(Organization.objects.values_list("kind", flat=True)) == {
        "都": 1,
        "区": 23,
        "市": 26,
        "町": 5,
        "村": 8,
    }
    assert Counter(Organization.objects.values_list("region", flat=True)) == {
        "都": 1,
        "特別区": 23,
        "多摩": 30,
        "島しょ": 9,
    }
    assert Organization.objects.get(code="132039").name == "武蔵野市"


def test_every_shipped_code_carries_a_valid_check_digit():
    rows = load_rows()
    assert len(rows) == 63
    assert all(valid_code(r.code) for r in rows)
    assert len({r.slug for r in rows}) == 63


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared/ not beside the checkout")
def test_our_copy_agrees_with_the_shared_reference_file():
    import csv

    with SHARED_CSV.open(encoding="utf-8") as fh:
        ref = {r["code"]: r for r in csv.DictReader(fh)}
    ours = {r.code: r for r in load_rows()}
    assert set(ref) == set(ours)
    for code, r in ref.items():
        assert (ours[code].name, ours[code].name_kana, ours[code].kind, ours[code].region) == (
            r["name"],
            r["name_kana"],
            r["kind"],
            r["region"],
        )


def test_check_digit_follows_the_published_rule():
    # 13101 (千代田区) -> 6, 13104 (新宿区) -> 1, 13421 (小笠原村) -> 0: worked by hand.
    assert check_digit("13101") == 6
    assert check_digit("13104") == 1
    assert check_digit("13421") == 0
    assert not valid_code("131017")
    assert not valid_code("13101")
    assert not valid_code("13101x")


def test_a_bad_row_is_reported_with_its_line(tmp_path):
    bad = tmp_path / "orgs.csv"
    bad.write_text(
        "code,name,name_kana,name_en,slug,kind,region\n"
        "130001,東京都,トウキョウト,Tokyo,tokyo,都,都\n"
        "131017,千代田区,チヨダク,Chiyoda,chiyoda,区,特別区\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="line 3"):
        load_rows(bad)


@pytest.mark.django_db
def test_directory_filters(musashino_staff):
    islands = organization_list(actor=musashino_staff, region="島しょ")
    assert islands.count() == 9
    assert list(
        organization_list(actor=musashino_staff, query="ムサシノ").values_list("code", flat=True)
    ) == ["132039"]
    with pytest.raises(NotFound):
        organization_get(actor=musashino_staff, code="999999")


@pytest.mark.django_db
def test_staff_edit_their_own_profile_and_it_is_audited(musashino_staff):
    org = Organization.objects.get(code="132039")
    before = AuditEntry.objects.count()
    organization_update_profile(
        actor=musashino_staff, organization=org, data={"contact_phone": "0422-60-1800"}
    )
    org.refresh_from_db()
    assert org.contact_phone == "0422-60-1800"
    assert org.version == 2
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "organization.profile_updated"
    assert entry.organization_id == org.pk
    assert entry.summary == {
        "before": {"contact_phone": ""},
        "after": {"contact_phone": "0422-60-1800"},
    }


@pytest.mark.django_db
def test_another_municipality_cannot_edit(tachikawa_staff):
    org = Organization.objects.get(code="132039")
    with pytest.raises(PermissionDenied):
        organization_update_profile(actor=tachikawa_staff, organization=org, data={"cio_name": "x"})
    org.refresh_from_db()
    assert org.cio_name == ""


@pytest.mark.django_db
def test_auditors_write_nothing(auditor):
    org = Organization.objects.get(code="130001")
    with pytest.raises(PermissionDenied):
        organization_update_profile(actor=auditor, organization=org, data={"cio_name": "x"})


@pytest.mark.django_db
def test_bad_values_change_nothing(musashino_staff):
    org = Organization.objects.get(code="132039")
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        organization_update_profile(
            actor=musashino_staff,
            organization=org,
            data={
                "contact_email": "not-an-address",
                "cio_name": "新しい名前",
                "website": "not a web address",
            },
        )
    assert set(exc.value.details) == {"contact_email", "website"}
    org.refresh_from_db()
    assert org.cio_name == "" and org.version == 1
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_a_stale_edit_is_refused(musashino_staff):
    org = Organization.objects.get(code="132039")
    organization_update_profile(
        actor=musashino_staff, organization=org, data={"cio_name": "A"}, expected_version=1
    )
    with pytest.raises(Conflict):
        organization_update_profile(
            actor=musashino_staff, organization=org, data={"cio_name": "B"}, expected_version=1
        )
    org.refresh_from_db()
    assert org.cio_name == "A"


@pytest.mark.django_db
def test_only_the_own_cio_sets_the_mfa_policy(musashino_cio, musashino_staff, tachikawa_cio):
    org = Organization.objects.get(code="132039")
    for outsider in (musashino_staff, tachikawa_cio):
        with pytest.raises(PermissionDenied):
            organization_set_mfa_policy(actor=outsider, organization=org, required=True)
    organization_set_mfa_policy(actor=musashino_cio, organization=org, required=True)
    org.refresh_from_db()
    assert org.mfa_required
    musashino_staff.refresh_from_db()
    assert musashino_staff.mfa_required
