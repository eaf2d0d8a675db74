"""The forum's demo data: idempotent, the two roundtables as held meetings in the platform's own
words (no copied prose), a scheduled forum meeting about six weeks ahead, and what the browser
test needs (小金井市's planned network renewal with peers that welcome contact)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from tsunagu.core.models import AuditEntry, Organization
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.knowledge import selectors
from tsunagu.knowledge.models import (
    Article,
    ConnectRequest,
    FollowUpAction,
    Meeting,
    Project,
    ProjectStage,
    Question,
)
from tsunagu.knowledge.seed import ARTICLES, PROJECTS, QUESTIONS, knowledge_seed

pytestmark = pytest.mark.django_db
SEEDS = Path("/work/shared/seeds")


@pytest.fixture
def demo_users(db):
    slugs = {p.org for p in PROJECTS} | {a[0] for a in ARTICLES}
    for q in QUESTIONS:
        slugs |= {q["org"], *(a[0] for a in q["answers"])}
    for slug in sorted(slugs):
        org = Organization.objects.get(slug=slug)
        make_user(Role.MUNI_STAFF, org.code, username=f"{slug}-staff")
    make_user(Role.TOKYO_COORDINATOR, "130001", username="tokyo-coordinator")


def _snapshot() -> dict[str, int]:
    return {
        "projects": Project.objects.count(),
        "stages": ProjectStage.objects.count(),
        "meetings": Meeting.objects.count(),
        "follow_ups": FollowUpAction.objects.count(),
        "articles": Article.objects.count(),
        "questions": Question.objects.count(),
        "connections": ConnectRequest.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_seed_is_idempotent_and_complete(demo_users):
    first = knowledge_seed()
    assert first["projects"] == len(PROJECTS) >= 40
    assert first["meetings"] == 4 and first["articles"] == len(ARTICLES)
    after_first = _snapshot()
    second = knowledge_seed()
    assert set(second.values()) == {0}
    assert _snapshot() == after_first
    # Histories never go backwards and never into the future.
    today = timezone.localdate()
    for p in Project.objects.prefetch_related("stage_history"):
        days = [s.on for s in p.stage_history.all()]
        assert days == sorted(days) and days[-1] <= today, p.title
        assert p.stage_history.last().stage == p.stage


def test_seed_serves_the_koganei_peer_story(demo_users):
    knowledge_seed()
    koganei = Project.objects.get(organization__code="132101", topic="network_renewal")
    assert koganei.stage == "planned"
    staff = koganei.contact
    assert staff is not None
    view = selectors.project_peers(actor=staff, project_id=koganei.pk)
    assert len(view.done) >= 5
    assert sum(1 for r in view.done if r.match.welcomes_contact) >= 3
    assert view.same_stage, "another municipality plans a network renewal too"
    # 小平市's project is kept to itself: never a peer of 小金井市.
    assert all(r.project.organization.slug != "kodaira" for r in view.done)
    assert not ConnectRequest.objects.filter(from_project=koganei).exists()


def test_roundtables_are_held_records_with_a_reference_and_own_summary(demo_users):
    knowledge_seed()
    r20 = Meeting.objects.get(kind="roundtable", number=20)
    r28 = Meeting.objects.get(kind="roundtable", number=28)
    assert r20.status == r28.status == "held"
    assert r20.date == dt.date(2022, 1, 20) and r28.date == dt.date(2022, 8, 22)
    assert "第20回座談会（令和4年1月20日）" in r20.source_title
    assert "第28回座談会（令和4年8月22日）" in r28.source_title
    assert "庁舎移転" in r28.summary or "庁舎の移転" in r28.summary
    assert {p.name for p in r28.participants.all()} >= {"小澤 賢治", "宮坂 学"}
    assert r28.agenda.count() == 2 and all(a.notes for a in r28.agenda.all())
    assert r20.follow_ups.count() == 2
    assert {o.code for o in r28.organizations.all()} == {"130001", "132101"}
    nxt = Meeting.objects.get(kind="cio_forum", status="scheduled")
    assert nxt.date == timezone.localdate() + dt.timedelta(days=42)
    assert Question.objects.filter(accepted_answer__isnull=False).count() >= 3


def test_summaries_do_not_copy_the_articles_prose(demo_users):
    """No run of 25 characters of an original article appears in the platform's summaries."""
    if not SEEDS.exists():
        pytest.skip("the seed articles are not available here")
    knowledge_seed()
    source = "".join(p.read_text() for p in SEEDS.glob("*.txt")).replace("\n", "")
    texts = [m.summary for m in Meeting.objects.all()]
    texts += [a.notes for m in Meeting.objects.all() for a in m.agenda.all()]
    window = 25
    shingles = {source[i : i + window] for i in range(len(source) - window)}
    for text in texts:
        flat = text.replace("\n", "")
        copied = [
            flat[i : i + window]
            for i in range(len(flat) - window)
            if flat[i : i + window] in shingles
        ]
        assert not copied, copied[:1]
