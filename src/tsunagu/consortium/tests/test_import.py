"""Importing items from a spreadsheet saved as CSV: every bad row is reported, nothing is
imported when a row is bad (unless the good rows are asked for), Shift_JIS as Excel writes it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tsunagu.consortium import importer
from tsunagu.consortium.models import HarmonisationItem, Position
from tsunagu.core.errors import NotFound, ValidationFailed
from tsunagu.core.models import AuditEntry
from tsunagu.notifications.models import Notification

from .conftest import HINO, KOGANEI, MITAKA

GOOD_AND_BAD = (
    "working_group,title,requirement_id,requirement_class,package_behaviour,due_on,blocking,"
    f"cost_impact_yen,ordinance_change,practice_{HINO},practice_{KOGANEI}\n"
    "1,転入届の本人確認,0010012,mandatory,標準どおり,2027-03-31,no,,no,窓口で確認,紙で受付\n"
    "1,,0010013,mandatory,,,no,,no,,\n"  # line 3: no title
    "9,存在しないWG,,,,,no,,no,,\n"  # line 4: unknown working group
    "1,期限の書式,,,,31/03/2027,no,,no,,\n"  # line 5: bad date
    "1,阻害項目,,,,2028-01-31,yes,,no,,\n"  # line 6: blocking, due after the cut-over
    "1,費用,,,,,no,たくさん,maybe,,\n"  # line 7: bad cost and bad yes/no
    "2,立川市のWG,,,,,no,,no,,\n"  # line 8: 日野市 does not lead WG2
    "1,転入届の本人確認,,,,,no,,no,,\n"  # line 9: duplicate of line 2
    "1,住民票の様式,0010020,標準オプション,,2027/04/30,はい,1200000,○,,\n"
)


def _lines(report_or_details) -> dict[int, set[str]]:
    rows = report_or_details
    out: dict[int, set[str]] = {}
    for e in rows:
        out.setdefault(e["line"], set()).add(e["field"])
    return out


def test_one_bad_row_imports_nothing_and_every_bad_row_is_reported(g):
    with pytest.raises(ValidationFailed) as exc:
        importer.import_csv(actor=g.hino, group=g.group, content=GOOD_AND_BAD.encode())
    assert exc.value.code == "import_rejected"
    assert _lines(exc.value.details["rows"]) == {
        3: {"title"},
        4: {"working_group"},
        5: {"due_on"},
        6: {"due_on"},
        7: {"cost_impact_yen", "ordinance_change"},
        8: {"working_group"},
        9: {"title"},
    }
    assert exc.value.details["valid"] == 2 and exc.value.details["total"] == 9
    assert HarmonisationItem.objects.count() == 0
    assert not AuditEntry.objects.filter(action="consortium.items_imported").exists()


def test_a_dry_run_reports_and_writes_nothing(g):
    report = importer.import_csv(
        actor=g.hino, group=g.group, content=GOOD_AND_BAD.encode(), dry_run=True
    )
    assert report.dry_run and report.valid == 2 and len(report.errors) == 8
    assert HarmonisationItem.objects.count() == 0


def test_the_good_rows_are_imported_when_asked(g):
    report = importer.import_csv(
        actor=g.hino, group=g.group, content=GOOD_AND_BAD.encode(), partial=True
    )
    assert report.created == [1, 2] and len(report.errors) == 8
    first, second = HarmonisationItem.objects.order_by("number")
    assert first.title == "転入届の本人確認" and first.requirement_class == "mandatory"
    practices = dict(
        Position.objects.filter(item=first).values_list("organization__code", "current_practice")
    )
    assert practices[HINO] == "窓口で確認" and practices[KOGANEI] == "紙で受付"
    assert practices[MITAKA] == ""
    # Japanese words in the cells: 標準オプション, はい, ○, 2027/04/30.
    assert second.requirement_class == "option" and second.blocking and second.ordinance_change
    assert second.cost_impact_yen == 1_200_000 and str(second.due_on) == "2027-04-30"
    audit = AuditEntry.objects.get(action="consortium.items_imported")
    assert audit.summary["after"]["created"] == [1, 2]
    assert audit.summary["after"]["skipped_rows"] == [3, 4, 5, 6, 7, 8, 9]
    assert Notification.objects.filter(
        kind="consortium.items_imported", recipient=g.koganei
    ).exists()


def test_shift_jis_with_japanese_headers_and_the_secretariat_imports_any_working_group(g):
    text = "WG番号,件名,期限,稼働阻害\n2,住民税の申告書様式,2027-05-31,いいえ\n3,収納の消込,,\n"
    report = importer.import_csv(actor=g.mitaka, group=g.group, content=text.encode("cp932"))
    assert report.created == [1, 2] and not report.errors
    assert HarmonisationItem.objects.get(number=1).working_group.number == 2


def test_unusable_files_are_refused_with_a_reason(g):
    for content, code in (
        (b"", "import_empty"),
        (b"title\nx\n", "import_header"),
        (b"working_group,title\n", "import_empty"),
        (b"\xff\xfe\x00\x81\x00", "import_not_text"),
        (b"x" * (importer.MAX_BYTES + 1), "import_too_large"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            importer.import_csv(actor=g.hino, group=g.group, content=content)
        assert exc.value.code == code, content[:20]
    # Unknown columns (and a practice column of a non-member) are reported, not fatal.
    report = importer.import_csv(
        actor=g.hino,
        group=g.group,
        content="working_group,title,colour,practice_132039\n1,件名,赤,武蔵野\n".encode(),
    )
    assert report.created == [1]
    assert {e["field"] for e in report.errors} == {"colour", "practice_132039"}
    assert not Position.objects.filter(organization__code="132039").exists()


def test_outsiders_cannot_import(g):
    with pytest.raises(NotFound):
        importer.import_csv(actor=g.musashino, group=g.group, content=b"working_group,title\n1,x\n")
    # 小金井市 leads no working group: every row is refused, nothing imported.
    with pytest.raises(ValidationFailed) as exc:
        importer.import_csv(actor=g.koganei, group=g.group, content=b"working_group,title\n1,x\n")
    assert exc.value.details["rows"][0]["field"] == "working_group"
    assert HarmonisationItem.objects.count() == 0


def test_the_import_page_reports_every_bad_row_and_keeps_the_choice(g, client_for):
    client = client_for(g.hino)
    upload = SimpleUploadedFile("items.csv", GOOD_AND_BAD.encode(), content_type="text/csv")
    res = client.post(
        f"/consortium/{g.group.slug}/items/import/", {"file": upload, "action": "import"}
    )
    assert res.status_code == 422
    html = res.content.decode()
    assert (
        'data-testid="import-refused"' in html and html.count('<tr><td class="num">') == 8
    )  # line 7 has two problems
    assert HarmonisationItem.objects.count() == 0
    upload = SimpleUploadedFile("items.csv", GOOD_AND_BAD.encode(), content_type="text/csv")
    res = client.post(
        f"/consortium/{g.group.slug}/items/import/",
        {"file": upload, "action": "import", "partial": "1"},
    )
    assert res.status_code == 200 and HarmonisationItem.objects.count() == 2
    assert 'id="f-partial" name="partial" value="1" checked' in res.content.decode()
    other = client_for(g.musashino)
    assert other.get(f"/consortium/{g.group.slug}/items/import/").status_code == 404
    assert other.get(f"/consortium/{g.group.slug}/items/template.csv").status_code == 404
