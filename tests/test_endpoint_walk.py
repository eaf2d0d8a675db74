"""Walk every URL the platform serves, as an anonymous visitor and as another municipality.

The table below must classify every route: adding a route without deciding who may reach it
makes ``test_every_route_is_classified`` fail.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tsunagu.core.audit import audit_record
from tsunagu.core.models import Job, Organization
from tsunagu.core.roles import Role
from tsunagu.core.services import job_start
from tsunagu.core.tests.factories import make_user
from tsunagu.notifications.services import notification_send

PUBLIC = {
    "accounts/login/",
    "accounts/mfa/",
    "accounts/mfa/webauthn/begin/",
    "accounts/mfa/webauthn/complete/",
    "accounts/language/",
    "healthz",
    "api/v1/openapi.json",
    "api/v1/docs",
    "api/v1/",
}


def all_routes() -> list[str]:
    out: list[str] = []

    def walk(resolver, prefix: str) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(p, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                out.append(prefix + str(p.pattern))

    walk(get_resolver(), "")
    return out


# route -> how to fill it for "an object of 武蔵野市" (None: no object in the path)
def fill(route: str, ids: dict[str, str]) -> str:
    path = route
    for key, value in ids.items():
        path = (
            path.replace(f"<int:{key}>", value)
            .replace(f"<str:{key}>", value)
            .replace(f"<path:{key}>", value)
            .replace("{" + key + "}", value)
            .replace(f"<{key}>", value)
        )
    path = path.replace("^", "").replace("$", "")
    return "/" + path


@pytest.fixture
def musashino_objects(db):
    owner = make_user(Role.MUNI_CIO, "132039")
    job = job_start(
        actor=owner,
        kind="audit.verify",
        label="x",
        task_path="tsunagu.core.tasks.audit_chain_verify_job",
    )
    [n] = notification_send(recipients=[owner], kind="security.api_token", params={"name": "x"})
    from tsunagu.accounts.services import api_token_create

    token, _ = api_token_create(actor=owner, name="t", scope="read", expires_in_days=1)
    from tsunagu.accounts.models import TotpDevice, WebAuthnCredential

    cred = WebAuthnCredential.objects.create(
        user=owner, name="k", credential_id=b"\x09", public_key=b"p"
    )
    dev = TotpDevice.objects.create(user=owner, secret_encrypted=b"x", confirmed=True)
    audit_record(actor=owner, action="test", organization=owner.organization)
    gw = _gateway_objects(owner)
    net = _network_objects(owner)
    tal = _talent_objects(owner)
    return {
        **gw,
        **net,
        **tal,
        "code": "132039",
        "job_id": str(job.pk),
        "notification_id": str(n.pk),
        "token_id": str(token.pk),
        "credential_id": str(cred.pk),
        "device_id": str(dev.pk),
        "owner_name": owner.display_name,
    }


def _gateway_objects(owner) -> dict[str, str]:
    """A Musashino change request with an attachment, a Musashino artifact, a recertification."""
    import datetime as dt

    from tsunagu.gateway import seed, services
    from tsunagu.gateway.models import Artifact, ArtifactBlob, CatalogService, Recertification

    seed.catalog_seed()
    version = seed.policy_seed()
    req = services.catalog_adopt(
        actor=owner,
        organization=owner.organization,
        service=CatalogService.objects.get(slug="zoom"),
    )
    att = services.change_request_attach(
        actor=owner, request=req, name="a.txt", content_type="text/plain", data=b"x"
    )
    blob = ArtifactBlob.objects.create(sha256="f" * 64, text="table inet t {}")
    art = Artifact.objects.create(
        version=version, section="132039", path="nftables/132039.nft", blob=blob
    )
    rec = Recertification.objects.create(
        year=2026,
        organization=owner.organization,
        rule_uid="132039-web",
        summary="allow",
        due=dt.date(2026, 6, 1),
    )
    return {
        "request_id": str(req.pk),
        "pk": str(req.pk),  # the API's name for a change request id
        "path": art.path,
        "attachment_id": str(att.pk),
        "number": str(version.number),
        "artifact_path": art.path,
        "org_code": "132039",
        "recert_id": str(rec.pk),
    }


def _network_objects(owner) -> dict[str, str]:
    """Musashino's network model (on the gateway plan seeded above) and a report export."""
    from django.utils import timezone

    from tsunagu.network.models import ReportExport
    from tsunagu.network.seed import network_seed_all

    network_seed_all()
    report = ReportExport.objects.create(
        network=owner.organization.network,
        requested_by=owner,
        status=ReportExport.Status.DONE,
        pdf=b"%PDF-1.4 x",
        size=10,
        created_at=timezone.now(),
    )
    return {"report_id": str(report.pk)}


def _talent_objects(owner) -> dict[str, str]:
    """A Musashino request with an assignment, a visit, an unshared artifact, a proposal and a
    matching run (Tokyo only)."""
    import datetime as dt

    from django.utils import timezone

    from tsunagu.talent.models import (
        Assignment,
        Expert,
        KnowledgeArtifact,
        MatchingRun,
        Proposal,
        SupportRequest,
        Visit,
    )

    now = timezone.now()
    expert = Expert.objects.create(name="専門 太郎", created_at=now)
    req = SupportRequest.objects.create(
        organization=owner.organization,
        created_by=owner,
        title="窓口改革",
        problem="窓口の手続きを見直したい。",
        start_month=dt.date(2026, 11, 1),
        state=SupportRequest.State.ACTIVE,
        created_at=now,
    )
    asg = Assignment.objects.create(request=req, expert=expert, started_on=dt.date(2026, 11, 1))
    visit = Visit.objects.create(assignment=asg, date=dt.date(2026, 11, 5))
    art = KnowledgeArtifact.objects.create(
        visit=visit,
        organization=owner.organization,
        expert=expert,
        title="内部資料",
        shared=False,
        created_at=now,
    )
    run = MatchingRun.objects.create(started_by=owner, created_at=now, status="optimal")
    from tsunagu.talent.models import StatementExport

    export = StatementExport.objects.create(
        organization=owner.organization,
        month=dt.date(2026, 11, 1),
        requested_by=owner,
        status="done",
        pdf=b"%PDF-1.4 x",
        created_at=now,
    )
    prop = Proposal.objects.create(run=run, request=req, expert=expert, score=1.0)
    return {
        "support_id": str(req.pk),
        "expert_id": str(expert.pk),
        "visit_id": str(visit.pk),
        "artifact_id": str(art.pk),
        "run_id": str(run.pk),
        "proposal_id": str(prop.pk),
        "month": "2026-11",
        "export_id": str(export.pk),
    }


def test_every_route_is_classified():
    routes = all_routes()
    assert len(routes) > 20
    unknown = [r for r in routes if r not in PUBLIC and not _protected(r)]
    assert not unknown, unknown


def _protected(route: str) -> bool:
    return (
        route.startswith(
            (
                "accounts/",
                "notifications/",
                "organizations/",
                "audit/",
                "jobs/",
                "api/v1/",
                "gateway/",
                "network/",
                "talent/",
            )
        )
        or route == ""
    )


@pytest.mark.django_db
def test_anonymous_visitors_reach_nothing_but_the_public_routes(musashino_objects):
    client = Client()
    for route in all_routes():
        if route in PUBLIC or "static" in route:
            continue
        path = fill(route, musashino_objects)
        for method in ("get", "post"):
            res = getattr(client, method)(path)
            if path.startswith("/api/"):
                assert res.status_code in (401, 405), (method, path, res.status_code)
                if res.status_code == 401:
                    assert res.json()["code"] == "unauthenticated"
            else:
                assert res.status_code in (302, 405), (method, path, res.status_code)
                if res.status_code == 302:
                    assert res["Location"].startswith("/accounts/login/"), (method, path)


# Routes where another municipality may read (the shared directory) — everything else that
# names a Musashino object must look missing (404) to Tachikawa.
DIRECTORY_READS = {
    "/organizations/132039/",
    # Policy versions are shared by all bodies (their Musashino artifacts and diffs are not).
    "/gateway/versions/1/",
    "/api/v1/gateway/versions/1/artifacts",
    "/api/v1/organizations/132039",
    "/api/v1/organizations/132039/members",
}
# The expert pool's public profiles are for every member (their ids are per database).
DIRECTORY_READ_PREFIXES = ("/talent/experts/", "/api/v1/talent/experts/")


@pytest.mark.django_db
def test_another_municipality_cannot_touch_musashino_objects(musashino_objects, client_for):
    outsider = make_user(Role.MUNI_CIO, "132021")
    client = client_for(outsider)
    before = Organization.objects.get(code="132039").version
    jobs_before = Job.objects.count()
    checked = 0
    for route in all_routes():
        if "<" not in route or route in PUBLIC:
            continue
        path = fill(route, musashino_objects)
        for method in ("get", "post", "delete", "patch"):
            kwargs = (
                {"content_type": "application/json", "data": "{}"}
                if method in ("patch", "delete") or (method == "post" and path.startswith("/api/"))
                else {}
            )
            res = getattr(client, method)(path, **kwargs)
            if res.status_code == 405:
                continue
            checked += 1
            if method == "get" and (
                path in DIRECTORY_READS or path.startswith(DIRECTORY_READ_PREFIXES)
            ):
                assert res.status_code == 200, path
                continue
            assert res.status_code in (302, 404, 422), (method, path, res.status_code)
            if res.status_code == 302:
                # Form posts that refuse redirect back with an error message, never to a success.
                assert res["Location"] in (
                    "/accounts/security/",
                    "/accounts/tokens/",
                    "/notifications/",
                ), (method, path)
    assert checked >= 10
    assert Organization.objects.get(code="132039").version == before
    from tsunagu.accounts.models import ApiToken, TotpDevice, WebAuthnCredential

    assert ApiToken.objects.get(pk=musashino_objects["token_id"]).revoked_at is None
    assert WebAuthnCredential.objects.filter(pk=musashino_objects["credential_id"]).exists()
    assert TotpDevice.objects.filter(pk=musashino_objects["device_id"]).exists()
    from tsunagu.notifications.models import Notification

    assert Notification.objects.get(pk=musashino_objects["notification_id"]).read_at is None
    assert Job.objects.count() == jobs_before
    members = client.get("/organizations/132039/").content.decode()
    # Musashino's member table is not shown to Tachikawa.
    assert musashino_objects["owner_name"] not in members
