"""Talent pages: every page renders for its audience, forms keep input on error, suggestions
while typing, other municipalities get 404."""

from __future__ import annotations

import pytest

from tsunagu.talent.models import SupportRequest

from .conftest import KOGANEI
from .test_flow import NEXT_MONTH, _file


@pytest.fixture
def staff_client(pool, koganei_staff, client_for):
    return client_for(koganei_staff)


def test_pages_render_for_municipal_staff(staff_client, koganei_staff):
    for path in (
        "/talent/",
        "/talent/experts/",
        "/talent/requests/",
        "/talent/requests/new/",
        "/talent/knowledge/",
        "/talent/statements/",
        "/talent/leaders/",
    ):
        res = staff_client.get(path)
        assert res.status_code == 200, path
    assert staff_client.get("/talent/matching/").status_code == 404
    assert staff_client.get("/talent/offers/").status_code == 404


def test_request_form_keeps_input_on_error_and_files_on_success(staff_client):
    form = {
        "title": "",
        "problem": "紙の申請書が多く、窓口の待ち時間が長い。",
        "visits_per_month": "2",
        "months": "6",
        "start_month": NEXT_MONTH.strftime("%Y-%m"),
        "mode": "either",
        "urgency": "2",
        "skills": ["bpr"],
        "level_bpr": "4",
        "action": "submit",
    }
    res = staff_client.post("/talent/requests/new/", form)
    assert res.status_code == 422
    html = res.content.decode()
    assert "紙の申請書が多く" in html and 'data-testid="error-summary"' in html
    assert SupportRequest.objects.count() == 0
    form["title"] = "窓口改革"
    res = staff_client.post("/talent/requests/new/", form)
    assert res.status_code == 302
    req = SupportRequest.objects.get()
    assert req.skills.get().min_level == 4 and req.organization.code == KOGANEI


def test_suggestions_while_typing(staff_client):
    res = staff_client.post(
        "/talent/requests/suggest/",
        {"problem": "書かない窓口を進めたい。業務フローの見直しも必要。"},
        HTTP_HX_REQUEST="true",
    )
    assert res.status_code == 200
    assert 'data-skill="bpr"' in res.content.decode()


def test_other_municipality_gets_404(pool, koganei_staff, musashino_staff, client_for):
    req = _file(koganei_staff)
    client = client_for(musashino_staff)
    assert client.get(f"/talent/requests/{req.pk}/").status_code == 404
    assert client.post(f"/talent/requests/{req.pk}/", {"action": "cancel"}).status_code == 404
    req.refresh_from_db()
    assert req.state == SupportRequest.State.SUBMITTED
    assert client.get(f"/talent/statements/{KOGANEI}/{NEXT_MONTH:%Y-%m}.csv").status_code == 404


def test_coordinator_runs_matching_and_sees_the_explanation(
    pool, coordinator, koganei_staff, client_for
):
    req = _file(koganei_staff)
    client = client_for(coordinator)
    res = client.post(
        "/talent/matching/", {"month": NEXT_MONTH.strftime("%Y-%m"), "time_limit": "5"}
    )
    assert res.status_code == 302
    html = client.get(res["Location"]).content.decode()
    assert "最適" in html or "Optimal" in html
    detail = client_for(koganei_staff).get(f"/talent/requests/{req.pk}/").content.decode()
    assert 'data-testid="candidates"' in detail and "小林 真理" in detail


def test_calendar_shows_blackouts_and_books_a_day(pool, koganei_staff, client_for):
    import datetime as dt

    from django.utils import timezone

    from tsunagu.talent.models import Assignment, ExpertBlackout, Visit

    req = _file(koganei_staff)
    req.state = SupportRequest.State.ACTIVE
    req.save(update_fields=["state"])
    Assignment.objects.create(request=req, expert=pool["bpr"], started_on=timezone.localdate())
    off = NEXT_MONTH + dt.timedelta(days=4)
    ExpertBlackout.objects.create(expert=pool["bpr"], start=off, end=off)
    client = client_for(koganei_staff)
    html = client.get(f"/talent/requests/{req.pk}/?month={NEXT_MONTH:%Y-%m}").content.decode()
    assert 'data-testid="calendar"' in html
    assert f'value="{off:%Y-%m-%d}"' not in html  # a blackout day cannot be booked
    day = NEXT_MONTH + dt.timedelta(days=6)
    assert f'value="{day:%Y-%m-%d}"' in html
    res = client.post(
        f"/talent/requests/{req.pk}/",
        {"action": "schedule", "date": day.isoformat(), "mode": "onsite"},
    )
    assert res.status_code == 302
    assert Visit.objects.filter(assignment__request=req, date=day).exists()


def test_statement_pdf_is_printed_by_a_job(pool, koganei_staff, musashino_staff, client_for):
    import shutil

    from tsunagu.talent.models import StatementExport
    from tsunagu.talent.statements import statement_print

    client = client_for(koganei_staff)
    res = client.post(f"/talent/statements/{KOGANEI}/{NEXT_MONTH:%Y-%m}.pdf")
    assert res.status_code == 302
    export = StatementExport.objects.get()
    assert export.status == "queued"
    # Another municipality can neither queue nor read it.
    other = client_for(musashino_staff)
    assert other.post(f"/talent/statements/{KOGANEI}/{NEXT_MONTH:%Y-%m}.pdf").status_code == 404
    assert other.get(f"/talent/statements/exports/{export.pk}/").status_code == 404
    if not shutil.which("chromium"):
        pytest.skip("Chromium is installed by make system-deps")
    statement_print(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == "done", export.error
    pdf = client.get(f"/talent/statements/exports/{export.pk}/?download=1")
    assert pdf.status_code == 200 and bytes(pdf.content).startswith(b"%PDF")
