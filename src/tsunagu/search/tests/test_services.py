"""Writing the index: put (upsert, idempotent), remove, rebuild, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.core.errors import ValidationFailed
from tsunagu.core.models import AuditEntry
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.search import registry
from tsunagu.search.documents import IndexDoc, Visibility
from tsunagu.search.models import SearchDocument
from tsunagu.search.selectors import search_match_keys, search_query
from tsunagu.search.services import (
    rank_base,
    search_index_put,
    search_index_rebuild,
    search_index_remove,
)

from .conftest import doc


@pytest.fixture
def staff(db):
    return make_user(Role.MUNI_STAFF, "132039")


def titles(user, q):
    return [h.title_text for h in search_query(actor=user, q=q).hits]


def test_put_is_an_upsert_and_idempotent(empty_index, staff):
    assert search_index_put(docs=[doc("meeting", "1", "庁舎移転の会議")]) == 1
    assert search_index_put(docs=[doc("meeting", "1", "庁舎移転の会議")]) in (0, 1)
    assert titles(staff, "移転") == ["庁舎移転の会議"]
    d = doc("meeting", "1", "ネットワーク更改")
    assert search_index_put(docs=[d]) == 1
    assert search_index_put(docs=[d]) == 0  # unchanged: nothing written
    assert titles(staff, "移転") == []
    assert titles(staff, "更改") == ["ネットワーク更改"]
    assert SearchDocument.objects.count() == 1


def test_the_last_put_of_a_document_in_one_batch_wins(empty_index, staff):
    search_index_put(docs=[doc("meeting", "1", "会議A"), doc("meeting", "1", "会議B")])
    assert titles(staff, "会議") == ["会議B"]


def test_visibility_changes_take_effect(empty_index):
    outsider = make_user(Role.MUNI_STAFF, "132021")
    search_index_put(docs=[doc("voice", "1", "庁舎移転", org_code="132039")])
    assert titles(outsider, "移転") == ["庁舎移転"]
    search_index_put(
        docs=[doc("voice", "1", "庁舎移転", org_code="132039", visibility=Visibility.TOKYO)]
    )
    assert titles(outsider, "移転") == []


def test_remove(empty_index, staff):
    search_index_put(docs=[doc("article", str(i), f"移転 {i}") for i in range(3)])
    assert search_index_remove(kind="article", object_ids=[0, "1", "missing"]) == 2
    assert titles(staff, "移転") == ["移転 2"]
    assert search_index_remove(kind="article", object_ids=[]) == 0


def test_documents_with_the_same_timestamp_get_distinct_ordered_keys(empty_index, staff):
    now = timezone.now()
    docs = [IndexDoc("expert", str(i), "専門家", "", f"/e/{i}/", now) for i in range(300)]
    search_index_put(docs=docs)
    keys = list(SearchDocument.objects.values_list("rank_key", flat=True))
    assert len(set(keys)) == 300
    assert all(
        rank_base(now) <= k < rank_base(now + dt.timedelta(microseconds=1)) + 1024 for k in keys
    )
    older = IndexDoc("expert", "old", "専門家", "", "/e/old/", now - dt.timedelta(days=1))
    search_index_put(docs=[older])
    assert search_query(actor=staff, q="専門家", per_page=50, page=7).hits[-1].object_id == "old"
    assert len(search_match_keys(actor=staff, q="専門家")) == 301


def test_two_documents_may_swap_keys_in_one_batch(empty_index, staff):
    now = timezone.now()
    a = IndexDoc("meeting", "a", "会議", "", "/m/a/", now)
    b = IndexDoc("meeting", "b", "会議", "", "/m/b/", now - dt.timedelta(hours=1))
    search_index_put(docs=[a, b])
    a2 = IndexDoc("meeting", "a", "会議", "", "/m/a/", now - dt.timedelta(hours=1))
    b2 = IndexDoc("meeting", "b", "会議", "", "/m/b/", now)
    search_index_put(docs=[a2, b2])
    assert [h.object_id for h in search_query(actor=staff, q="会議").hits] == ["b", "a"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"kind": "nope"}, "search_kind_unknown"),
        ({"url": "https://evil.example/"}, "search_url_invalid"),
        ({"url": "//evil.example/"}, "search_url_invalid"),
        ({"url": "javascript:alert(1)"}, "search_url_invalid"),
        ({"object_id": ""}, "search_id_missing"),
    ],
)
def test_bad_documents_are_refused_and_nothing_changes(empty_index, change, code):
    good = doc("meeting", "1", "会議")
    fields = {**good.__dict__, **change}
    with pytest.raises(ValidationFailed) as exc:
        search_index_put(docs=[good, IndexDoc(**fields)])
    assert exc.value.code == code
    assert SearchDocument.objects.count() == 0


def test_text_a_database_refuses_is_cleaned(empty_index, staff):
    search_index_put(docs=[doc("meeting", "1", "会議\x00室\ud800", "本文" * 60_000)])
    row = SearchDocument.objects.get()
    assert "\x00" not in row.title and len(row.body) == 100_000
    assert titles(staff, "会議")


def test_rebuild_skips_missing_providers_and_removes_what_is_gone(empty_index, monkeypatch):
    now = timezone.now()
    monkeypatch.setitem(
        registry.KINDS,
        "article",
        registry.Kind("article", "Article", "tsunagu.search.tests.test_services.fake_articles"),
    )
    monkeypatch.setitem(
        registry.KINDS,
        "question",
        registry.Kind("question", "Q&A", "tsunagu.not_an_app.search_docs.question_docs"),
    )
    search_index_put(
        docs=[
            IndexDoc("article", "gone", "古い記事", "", "/a/gone/", now),
            IndexDoc("question", "kept", "質問", "", "/q/kept/", now),
        ]
    )
    report = search_index_rebuild(kinds=["article", "question"])
    assert report.changed == {"article": 2}
    assert report.removed == {"article": 1}
    assert report.skipped == ("question",)
    assert set(SearchDocument.objects.values_list("object_id", flat=True)) == {"1", "2", "kept"}
    assert AuditEntry.objects.filter(action="search.index_rebuilt").exists()
    again = search_index_rebuild(kinds=["article"])
    assert again.changed == {"article": 0}


def fake_articles(ids=None):
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in ("1", "2"):
        if ids is None or i in ids:
            yield IndexDoc("article", i, f"記事 {i}", "", f"/a/{i}/", now)


def test_rebuild_refuses_unknown_kinds(empty_index):
    with pytest.raises(ValidationFailed):
        search_index_rebuild(kinds=["nope"])


def test_rebuild_of_every_kind_reads_the_installed_providers(empty_index, db):
    from tsunagu.gateway.seed import catalog_seed

    catalog_seed()
    report = search_index_rebuild(kinds=["catalog_service", "expert"], reset=True)
    assert report.changed.get("catalog_service", 0) >= 10
    assert "catalog_service" not in report.skipped


def test_the_management_command(empty_index, db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("search_rebuild", "--kind", "catalog_service", stdout=out)
    assert "catalog_service:" in out.getvalue()


def test_the_periodic_job_is_scheduled_and_rebuilds(empty_index, monkeypatch):
    from tsunagu.core.tasks import SCHEDULE
    from tsunagu.search.tasks import search_rebuild_periodic

    path, every = SCHEDULE["search-rebuild"]
    assert path == "tsunagu.search.tasks.search_rebuild_periodic"
    assert every == 24 * 3600
    monkeypatch.setattr(
        registry,
        "KINDS",
        {"article": registry.Kind("article", "Article", f"{__name__}.fake_articles")},
    )
    assert search_rebuild_periodic.call() == {
        "changed": {"article": 2},
        "removed": {"article": 0},
        "skipped": [],
    }


def test_every_registered_kind_has_a_label_and_a_provider_path():
    for key, kind in registry.KINDS.items():
        assert kind.key == key and str(kind.label)
        assert kind.provider.startswith("tsunagu.") and kind.provider.count(".") >= 3
