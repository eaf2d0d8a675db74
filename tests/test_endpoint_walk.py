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
    con = _consortium_objects(owner)
    voi = _voices_objects(owner)
    frm = _forum_objects(owner)
    return {
        **gw,
        **net,
        **tal,
        **con,
        **voi,
        **frm,
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


def _voices_objects(owner) -> dict[str, str]:
    """A Musashino voice for 都 only: another municipality must not even see it exists."""
    from tsunagu.voices.models import Category, Visibility
    from tsunagu.voices.services import voice_file

    voice = voice_file(
        actor=owner,
        category=Category.objects.get(key="talent"),
        title="都のみの要望",
        body="本文",
        visibility=Visibility.TOKYO,
    )
    return {"voice_id": str(voice.pk), "ref": voice.ref}


def _forum_objects(owner) -> dict[str, str]:
    """A Musashino project kept to Musashino, its connect request, a private article, a
    Musashino question and a 都 meeting with an agenda topic and a Musashino follow-up."""
    from tsunagu.knowledge import services

    other = make_user(Role.MUNI_STAFF, "132012")
    project = services.project_create(
        actor=owner,
        data={"title": "内部の検討", "topic": "wifi", "visibility": "own"},
    )
    peer = services.project_create(
        actor=other,
        data={
            "title": "Wi-Fi",
            "topic": "wifi",
            "stage": "live",
            "welcomes_contact": True,
            "contact": other.pk,
        },
    )
    connect = services.connect_request_create(
        actor=owner, from_project=project, to_project=peer, message="伺いたいです"
    )
    manager = make_user(Role.TOKYO_COORDINATOR, "130001")
    meeting = services.meeting_create(
        actor=manager,
        data={"kind": "cio_forum", "title": "定例会", "date": "2030-01-20"},
        agenda=["報告"],
    )
    action = services.follow_up_add(
        actor=manager,
        meeting=meeting,
        data={"title": "共有", "owner_organization": "132039", "due": "2030-02-01"},
    )
    article = services.article_create(
        actor=owner,
        data={"title": "内部", "body": "武蔵野市の内部向けの記事です。", "visibility": "own"},
    )
    question = services.question_create(
        actor=owner, data={"title": "質問", "body": "教えてください。よろしく。"}
    )
    return {
        "project_id": str(project.pk),
        "connect_id": str(connect.pk),
        "meeting_id": str(meeting.pk),
        "agenda_id": str(meeting.agenda.get().pk),
        "follow_up_id": str(action.pk),
        "article_id": str(article.pk),
        "question_id": str(question.pk),
    }


def _consortium_objects(owner) -> dict[str, str]:
    """A joint-use group of Musashino (member) and Koganei (joining) without Tachikawa: an item,
    a meeting with it on the agenda, and a follow-up action."""
    import datetime as dt

    from django.utils import timezone

    from tsunagu.consortium import services
    from tsunagu.consortium.models import BusinessArea, JointUseGroup, Membership, WorkingGroup

    group = JointUseGroup.objects.create(
        slug="walk-cloud",
        name="武蔵野・小金井クラウド",
        name_en="Walk cloud",
        secretariat=owner.organization,
        created_at=timezone.now(),
    )
    Membership.objects.create(group=group, organization=owner.organization)
    Membership.objects.create(
        group=group,
        organization=Organization.objects.get(code="132101"),
        status=Membership.Status.JOINING,
        cut_over_on=dt.date(2027, 11, 1),
    )
    wg = WorkingGroup.objects.create(
        group=group,
        number=1,
        name="住民基本台帳",
        area=BusinessArea.objects.get(code="n01-juki"),
        lead=owner.organization,
    )
    item = services.item_create(actor=owner, working_group=wg, data={"title": "本人確認"})
    meeting = services.meeting_create(
        actor=owner, working_group=wg, held_on="2027-01-10", title="第1回", items=[item]
    )
    action = services.action_create(
        actor=owner, meeting=meeting, title="宿題", owner=owner.organization, due_on="2027-02-01"
    )
    return {
        "group_slug": group.slug,
        "wg_no": "1",
        "item_no": str(item.number),
        "wg_meeting_id": str(meeting.pk),
        "action_id": str(action.pk),
        "area_code": "n01-juki",
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
                "voices/",
                "forum/",
                "search/",
                "consortium/",
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
# Forum meetings and questions are for every member; changing another's is refused (the API
# answers 403 permission_denied for the few writes that need no payload).
SHARED_READ_ROUTES = {
    "forum/meetings/<int:meeting_id>/",
    "api/v1/forum/meetings/<meeting_id>",
    "forum/questions/<int:question_id>/",
    "api/v1/forum/questions/<question_id>",
}
SHARED_REFUSED_PREFIXES = ("/api/v1/forum/meetings/", "/api/v1/forum/questions/")


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
                path in DIRECTORY_READS
                or path.startswith(DIRECTORY_READ_PREFIXES)
                or route in SHARED_READ_ROUTES
            ):
                assert res.status_code == 200, path
                continue
            if res.status_code == 403 and path.startswith(SHARED_REFUSED_PREFIXES):
                assert res.json()["code"] == "permission_denied", (method, path)
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


# The search routes take no object id, so the walk above cannot reach them: search for the
# Musashino objects by their words instead. Kept to Musashino or to 都, they must not show up
# for Tachikawa — not as a hit, not in a count — while Musashino finds them.
SEARCH_ROUTES = ("/search/", "/api/v1/search/")


@pytest.mark.django_db
def test_search_never_shows_another_municipality_its_private_items(musashino_objects, client_for):
    outsider = client_for(make_user(Role.MUNI_CIO, "132021"))
    owner = client_for(make_user(Role.MUNI_STAFF, "132039"))
    for q in ("都のみの要望", "内部の検討", "武蔵野市の内部向け"):
        page = outsider.get(SEARCH_ROUTES[0], {"q": q})
        assert page.status_code == 200
        assert page.context["page"].total == 0, q
        api = outsider.get(SEARCH_ROUTES[1], {"q": q})
        assert api.status_code == 200
        assert api.json()["total"] == 0, q
        assert all(k["count"] in (0, None) for k in api.json()["kinds"])
    # The owner does find its 都-only voice (the search works, it is not just empty).
    assert owner.get(SEARCH_ROUTES[1], {"q": "都のみの要望"}).json()["total"] == 1
