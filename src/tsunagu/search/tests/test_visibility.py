"""Who sees what: a 都-only item never appears to a municipality; ORGS audiences; experts see
only what is for everyone; kinds follow the capabilities that open them."""

from __future__ import annotations

import pytest

from tsunagu.core.errors import PermissionDenied
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.search.documents import Visibility
from tsunagu.search.selectors import search_kinds, search_match_keys, search_query
from tsunagu.search.services import search_index_put

from .conftest import doc

MUSASHINO, TACHIKAWA, KOGANEI, TOKYO = "132039", "132021", "132101", "130001"


@pytest.fixture
def corpus(empty_index):
    search_index_put(
        docs=[
            doc(
                "voice",
                "tokyo-only",
                "庁舎移転の要望",
                "都のみ",
                org_code=MUSASHINO,
                visibility=Visibility.TOKYO,
            ),
            doc(
                "project",
                "own",
                "庁舎移転プロジェクト",
                "自庁のみ",
                org_code=MUSASHINO,
                visibility=Visibility.OWN,
            ),
            doc(
                "voice",
                "orgs",
                "庁舎移転の共同要望",
                "立川と小金井へ",
                org_code=MUSASHINO,
                visibility=Visibility.ORGS,
                audience=(KOGANEI,),
            ),
            doc("meeting", "all", "庁舎移転の座談会", "皆さんへ", visibility=Visibility.ALL),
            doc("catalog_service", "zoom", "庁舎移転に Zoom", "Web会議", visibility=Visibility.ALL),
            doc("expert", "e1", "庁舎移転の専門家", "", visibility=Visibility.ALL),
        ]
    )


def found(user, q="移転"):
    return {h.object_id for h in search_query(actor=user, q=q, per_page=50).hits}


def test_a_tokyo_only_item_never_appears_to_another_municipality(corpus):
    tachikawa = make_user(Role.MUNI_CIO, TACHIKAWA)
    seen = found(tachikawa)
    assert "tokyo-only" not in seen
    assert "own" not in seen
    assert "orgs" not in seen  # Tachikawa is not in the audience
    assert seen == {"all", "zoom", "e1"}
    page = search_query(actor=tachikawa, q="都のみ")
    assert page.total == 0 and page.hits == ()
    assert all(k.count == 0 for k in page.kinds)  # not even a count gives it away


def test_the_owner_sees_its_own_items(corpus):
    assert found(make_user(Role.MUNI_STAFF, MUSASHINO)) == {
        "tokyo-only",
        "own",
        "orgs",
        "all",
        "zoom",
        "e1",
    }


def test_an_orgs_item_reaches_its_audience_only(corpus):
    assert "orgs" in found(make_user(Role.MUNI_STAFF, KOGANEI))
    assert "tokyo-only" not in found(make_user(Role.MUNI_STAFF, KOGANEI))


@pytest.mark.parametrize("role", [Role.TOKYO_ADMIN, Role.TOKYO_COORDINATOR, Role.TOKYO_SECOPS])
def test_tokyo_sees_everything(corpus, role):
    assert {"tokyo-only", "own", "orgs"} <= found(make_user(role, TOKYO))


def test_auditors_read_everything(corpus):
    assert {"tokyo-only", "own", "orgs", "all"} <= found(make_user(Role.AUDITOR, TOKYO))


def test_experts_see_only_what_is_for_everyone(corpus):
    expert = make_user(Role.EXPERT, TOKYO)
    # Items for all, and only of kinds an expert may open (no voices, no gateway catalog).
    assert found(expert) == {"all", "e1"}
    assert {k.key for k in search_kinds(expert)} == {
        "project",
        "meeting",
        "article",
        "question",
        "expert",
    }
    assert search_query(actor=expert, q="移転", kinds=["voice"]).hits == ()


def test_the_recall_path_is_scoped_too(corpus):
    tachikawa = make_user(Role.MUNI_CIO, TACHIKAWA)
    assert len(search_match_keys(actor=tachikawa, q="移転")) == 3


def test_anonymous_actors_are_refused(corpus):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        search_query(actor=AnonymousUser(), q="移転")  # type: ignore[arg-type]
