"""Peer projects: registering and editing (own organisation only, optimistic locking, stage
history, audit, search index), bad input, visibility, the peer finder and connect requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import AuditEntry
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.knowledge import selectors, services
from tsunagu.knowledge.models import ConnectRequest, Project, ProjectStage
from tsunagu.notifications.models import Notification
from tsunagu.search.models import SearchDocument

from .conftest import KOGANEI, MUSASHINO, TACHIKAWA, make_project, project_data

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- register and edit


def test_register_records_history_audit_and_index(koganei_staff):
    p = make_project(
        koganei_staff,
        documents=[{"title": "仕様書（案）", "url": "https://example.jp/spec.pdf"}],
        stage_on="2026-01-15",
    )
    assert p.organization.code == KOGANEI and p.version == 1
    assert p.start == dt.date(2027, 4, 1) and p.contact_id == koganei_staff.pk
    assert list(p.stage_history.values_list("stage", "on")) == [("planned", dt.date(2026, 1, 15))]
    assert [d.title for d in p.documents.all()] == ["仕様書（案）"]
    entry = AuditEntry.objects.get(action="forum.project_created")
    assert entry.object_id == str(p.pk) and entry.organization_id == p.organization_id
    doc = SearchDocument.objects.get(kind="project", object_id=str(p.pk))
    assert doc.title == p.title


def test_stage_changes_keep_a_dated_history_and_bump_the_version(koganei_staff):
    p = make_project(koganei_staff, stage_on="2026-01-10")
    data = project_data(welcomes_contact=True, contact=koganei_staff.pk)
    p = services.project_update(
        actor=koganei_staff,
        project=p,
        data=data | {"stage": "procuring", "stage_on": "2026-06-01"},
        version=1,
    )
    p = services.project_update(
        actor=koganei_staff, project=p, data=data | {"stage": "procuring"}, version=2
    )
    p = services.project_update(
        actor=koganei_staff, project=p, data=data | {"stage": "building"}, version=3
    )
    assert p.version == 4
    history = list(ProjectStage.objects.filter(project=p).values_list("stage", "on"))
    assert [s for s, _ in history] == ["planned", "procuring", "building"]
    assert history[1][1] == dt.date(2026, 6, 1) and history[2][1] == timezone.localdate()
    assert AuditEntry.objects.filter(action="forum.project_updated").count() == 3
    with pytest.raises(ValidationFailed) as exc:  # a stage before the previous one's date
        services.project_update(
            actor=koganei_staff,
            project=p,
            data=data | {"stage": "live", "stage_on": "2026-02-01"},
            version=4,
        )
    assert "stage_on" in exc.value.details
    assert Project.objects.get(pk=p.pk).stage == "building"


def test_a_stale_version_is_refused_and_changes_nothing(koganei_staff):
    p = make_project(koganei_staff)
    services.project_update(
        actor=koganei_staff, project=p, data=project_data(title="新しい名前"), version=1
    )
    with pytest.raises(Conflict) as exc:
        services.project_update(
            actor=koganei_staff, project=p, data=project_data(title="上書き"), version=1
        )
    assert exc.value.code == "stale_version"
    assert Project.objects.get(pk=p.pk).title == "新しい名前"


def test_only_the_own_organisation_edits(koganei_staff, musashino_staff, manager, auditor):
    p = make_project(koganei_staff)
    for outsider in (musashino_staff, manager):
        with pytest.raises(PermissionDenied):
            services.project_update(
                actor=outsider, project=p, data=project_data(title="x"), version=1
            )
    with pytest.raises(PermissionDenied):
        services.project_update(actor=auditor, project=p, data=project_data(), version=1)
    hidden = make_project(koganei_staff, title="庁内限り", visibility="own")
    with pytest.raises(NotFound):
        services.project_update(
            actor=musashino_staff, project=hidden, data=project_data(), version=1
        )
    assert Project.objects.get(pk=p.pk).version == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"topic": "space_program"}, "topic"),
        ({"stage": "dreaming"}, "stage"),
        ({"start": "2027-13"}, "start"),
        ({"start": "2027-10", "end": "2027-01"}, "end"),
        ({"scale": "many"}, "scale"),
        ({"scale": -5}, "scale"),
        ({"lessons": "あ" * 8001}, "lessons"),
        ({"network_model": "gamma"}, "network_model"),
        ({"visibility": "public"}, "visibility"),
        ({"welcomes_contact": True, "contact": None}, "contact"),
        ({"stage_on": "2999-01-01"}, "stage_on"),
    ],
)
def test_bad_input_is_refused_with_a_field_message_and_changes_nothing(
    koganei_staff, change, field
):
    data = project_data(**change)
    with pytest.raises(ValidationFailed) as exc:
        services.project_create(actor=koganei_staff, data=data)
    assert field in exc.value.details
    assert not Project.objects.exists()
    assert not AuditEntry.objects.filter(action="forum.project_created").exists()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "http://example.jp/a.pdf",
        "//evil.example/x",
        "https://",
        "data:text/html,<script>",
        "https://user@evil.example/",
        "ftp://example.jp/x",
        "/forum/ x",
    ],
)
def test_document_links_are_platform_paths_or_https_only(koganei_staff, url):
    with pytest.raises(ValidationFailed) as exc:
        make_project(koganei_staff, documents=[{"title": "資料", "url": url}])
    assert "documents" in exc.value.details


def test_document_links_accept_paths_and_https(koganei_staff):
    p = make_project(
        koganei_staff,
        documents=[
            {"title": "要件", "url": "/forum/articles/1/"},
            {"title": "公開資料", "url": "https://www.city.koganei.lg.jp/a.pdf"},
            {"title": "", "url": ""},  # an empty form row
        ],
    )
    assert p.documents.count() == 2


def test_the_contact_must_belong_to_the_organisation(koganei_staff, musashino_staff):
    with pytest.raises(ValidationFailed) as exc:
        make_project(koganei_staff, contact=musashino_staff.pk)
    assert "contact" in exc.value.details


def test_readers_who_may_not_contribute_cannot_register(auditor, expert):
    for actor in (auditor, expert):
        with pytest.raises(PermissionDenied):
            make_project(actor, welcomes=False)


# --------------------------------------------------------------------------- visibility


def test_a_private_project_is_not_found_for_another_municipality(
    koganei_staff, musashino_staff, manager, auditor
):
    hidden = make_project(koganei_staff, visibility="own")
    shared = make_project(koganei_staff, title="公開")
    with pytest.raises(NotFound):
        selectors.project_get(actor=musashino_staff, project_id=hidden.pk)
    with pytest.raises(NotFound):
        selectors.project_get(actor=musashino_staff, project_id=999_999)
    assert selectors.project_get(actor=musashino_staff, project_id=shared.pk) == shared
    listed = set(selectors.project_list(actor=musashino_staff))
    assert shared in listed and hidden not in listed
    for insider in (koganei_staff, manager, auditor):
        assert selectors.project_get(actor=insider, project_id=hidden.pk) == hidden
    doc = SearchDocument.objects.get(kind="project", object_id=str(hidden.pk))
    assert doc.visibility == "own"


# --------------------------------------------------------------------------- peers


def _peer(slug_code: str, **kw):
    owner = make_user(Role.MUNI_STAFF, slug_code)
    return owner, make_project(owner, **kw)


def test_peers_are_ranked_with_their_parts_and_respect_visibility(koganei_staff):
    me = make_project(koganei_staff)  # 1000 staff, α → β′, 2027-04…10, planned
    _o, twin = _peer(MUSASHINO, stage="live", start="2027-04", end="2027-10")
    _o, far = _peer(
        TACHIKAWA, stage="live", start="2015-01", end="2016-01", scale=8000, network_model_after=""
    )
    _o, hidden = _peer("132047", stage="live", visibility="own")
    _o, planned = _peer("132128", stage="planned", start="2027-06", end="2028-01")
    _o, other_topic = _peer("131016", stage="live", topic="wifi")
    make_project(koganei_staff, title="自団体の別案件", stage="live")
    view = selectors.project_peers(actor=koganei_staff, project_id=me.pk)
    done = [r.project.pk for r in view.done]
    assert done == [twin.pk, far.pk]
    assert hidden.pk not in done and other_topic.pk not in done
    assert [r.project.pk for r in view.same_stage] == [planned.pk]
    best = view.done[0].match
    assert (best.size, best.timing, best.model, best.model_reason) == (1.0, 1.0, 1.0, "target")
    assert view.done[0].points == 100.0
    worst = view.done[1].match
    assert worst.size_ratio == pytest.approx(1000 / 8000)
    assert worst.model_reason == "same_start"
    assert view.can_connect


def test_peers_of_a_private_project_are_not_found_for_others(koganei_staff, musashino_staff):
    hidden = make_project(koganei_staff, visibility="own")
    with pytest.raises(NotFound):
        selectors.project_peers(actor=musashino_staff, project_id=hidden.pk)


# --------------------------------------------------------------------------- connect requests


@pytest.fixture
def pair(koganei_staff):
    mine = make_project(koganei_staff)
    contact, theirs = _peer(MUSASHINO, stage="live")
    return mine, theirs, contact


def test_connect_accept_introduces_both_contacts_and_notifies_them(koganei_staff, pair):
    mine, theirs, contact = pair
    req = services.connect_request_create(
        actor=koganei_staff,
        from_project=mine,
        to_project=theirs,
        message="ぜひお話を伺いたいです。",
    )
    assert req.status == "open" and req.to_contact == contact
    assert Notification.objects.filter(recipient=contact, kind="forum.connect_requested").exists()
    assert selectors.connect_introduction(actor=koganei_staff, request=req) is None
    services.connect_request_answer(actor=contact, request=req, accept=True, reply="どうぞ")
    req = selectors.connect_request_get(actor=koganei_staff, connect_id=req.pk)
    mine_view = selectors.connect_introduction(actor=koganei_staff, request=req)
    theirs_view = selectors.connect_introduction(actor=contact, request=req)
    assert mine_view.email == contact.email and mine_view.name == contact.display_name
    assert theirs_view.email == koganei_staff.email
    assert theirs_view.department == koganei_staff.department
    for user in (koganei_staff, contact):
        assert Notification.objects.filter(recipient=user, kind="forum.connect_accepted").exists()
    bystander = make_user(Role.MUNI_CIO, KOGANEI)
    assert selectors.connect_introduction(actor=bystander, request=req) is None
    with pytest.raises(Conflict) as exc:
        services.connect_request_create(
            actor=koganei_staff, from_project=mine, to_project=theirs, message="もう一度"
        )
    assert exc.value.code == "already_connected"


def test_connect_twice_while_open_is_refused_and_changes_nothing(koganei_staff, pair):
    mine, theirs, contact = pair
    services.connect_request_create(
        actor=koganei_staff, from_project=mine, to_project=theirs, message="一回目"
    )
    for a, b, actor in ((mine, theirs, koganei_staff), (theirs, mine, contact)):
        with pytest.raises(Conflict) as exc:
            services.connect_request_create(actor=actor, from_project=a, to_project=b, message="再")
        assert exc.value.code == "connect_duplicate"
    assert ConnectRequest.objects.count() == 1


def test_connect_refusals(koganei_staff, pair, musashino_staff):
    mine, theirs, _contact = pair
    own = make_project(koganei_staff, title="自団体", stage="live")
    with pytest.raises(Conflict) as exc:
        services.connect_request_create(
            actor=koganei_staff, from_project=mine, to_project=own, message="x"
        )
    assert exc.value.code == "connect_own_organisation"
    _o, closed = _peer(TACHIKAWA, stage="live", welcomes=False)
    with pytest.raises(Conflict) as exc:
        services.connect_request_create(
            actor=koganei_staff, from_project=mine, to_project=closed, message="x"
        )
    assert exc.value.code == "contact_not_welcome"
    for bad in ("", "   ", "あ" * 2001):
        with pytest.raises(ValidationFailed):
            services.connect_request_create(
                actor=koganei_staff, from_project=mine, to_project=theirs, message=bad
            )
    with pytest.raises(PermissionDenied):  # not my project
        services.connect_request_create(
            actor=musashino_staff, from_project=mine, to_project=theirs, message="x"
        )
    _o, hidden = _peer("132047", stage="live", visibility="own")
    with pytest.raises(NotFound):
        services.connect_request_create(
            actor=koganei_staff, from_project=mine, to_project=hidden, message="x"
        )
    assert not ConnectRequest.objects.exists()


def test_only_the_contact_answers_and_only_once(koganei_staff, pair, musashino_staff):
    mine, theirs, contact = pair
    req = services.connect_request_create(
        actor=koganei_staff, from_project=mine, to_project=theirs, message="よろしくお願いします"
    )
    for other in (koganei_staff, musashino_staff):
        with pytest.raises(PermissionDenied):
            services.connect_request_answer(actor=other, request=req, accept=True)
    services.connect_request_answer(actor=contact, request=req, accept=False)
    assert Notification.objects.filter(
        recipient=koganei_staff, kind="forum.connect_declined"
    ).exists()
    with pytest.raises(Conflict) as exc:
        services.connect_request_answer(actor=contact, request=req, accept=True)
    assert exc.value.code == "connect_answered"
    assert ConnectRequest.objects.get(pk=req.pk).status == "declined"
    # After a decline a new request may be sent.
    services.connect_request_create(
        actor=koganei_staff, from_project=mine, to_project=theirs, message="改めて"
    )


def test_connect_requests_are_seen_by_the_two_organisations_only(koganei_staff, pair):
    mine, theirs, contact = pair
    req = services.connect_request_create(
        actor=koganei_staff, from_project=mine, to_project=theirs, message="よろしく"
    )
    outsider = make_user(Role.MUNI_STAFF, TACHIKAWA)
    with pytest.raises(NotFound):
        selectors.connect_request_get(actor=outsider, connect_id=req.pk)
    assert selectors.connect_request_list(actor=contact).incoming == [req]
    assert selectors.connect_request_list(actor=koganei_staff).outgoing == [req]
    inbox = selectors.connect_request_list(actor=outsider)
    assert not (inbox.incoming or inbox.outgoing or inbox.other)


# --------------------------------------------------------------------------- topic map


def test_topic_map_counts_each_organisation_once_at_its_latest_stage(koganei_staff):
    make_project(koganei_staff, stage="live", start="2019-04", end="2020-03", title="前回")
    make_project(koganei_staff, stage="planned", start="2027-04", title="今回")
    _owner, _p = _peer(MUSASHINO, stage="live", start="2024-01")
    _o, _hidden = _peer(TACHIKAWA, stage="building", visibility="own")
    counts = selectors.topic_stage_counts(actor=koganei_staff)["network_renewal"]
    assert counts == {"planned": 1, "procuring": 0, "building": 0, "live": 1}
    rows = {
        r.organization.code: r
        for r in selectors.topic_stages(actor=koganei_staff, topic="network_renewal")
    }
    assert len(rows) == 62
    assert rows[KOGANEI].stage == "planned" and len(rows[KOGANEI].projects) == 2
    assert rows[TACHIKAWA].stage == ""  # its project is private
    tachikawa = make_user(Role.MUNI_STAFF, TACHIKAWA)
    assert selectors.topic_stage_counts(actor=tachikawa)["network_renewal"]["building"] == 1
