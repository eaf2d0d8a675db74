"""Voices under concurrent use: reference numbers stay unique, one co-signature per organisation."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from tsunagu.core.errors import DomainError
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.voices import services
from tsunagu.voices.models import Category, Cosign, Voice


def _run(workers: list) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(workers))

    def wrap(fn) -> None:
        try:
            barrier.wait()
            fn()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_filings_get_distinct_references_and_one_cosign_per_organisation():
    category = Category.objects.select_related("unit").get(key="talent")
    filers = [make_user(Role.MUNI_STAFF, code) for code in ("132021", "132039", "132047", "132063")]
    errors = _run(
        [
            (lambda u=u: services.voice_file(actor=u, category=category, title="題", body="本文"))
            for u in filers
            for _ in range(2)
        ]
    )
    assert not errors, errors
    refs = list(Voice.objects.values_list("ref", flat=True))
    assert len(refs) == 8 and len(set(refs)) == 8
    voice = Voice.objects.filter(organization__code="132021").first()
    assert voice is not None
    signers = [make_user(Role.MUNI_STAFF, "132101") for _ in range(4)]
    errors = _run([(lambda s=s: services.voice_cosign(actor=s, voice=voice)) for s in signers])
    assert len(errors) == 3 and all(
        isinstance(e, DomainError) and e.code == "already_cosigned" for e in errors
    ), errors
    voice.refresh_from_db()
    assert Cosign.objects.filter(voice=voice).count() == 1 and voice.cosign_count == 1
