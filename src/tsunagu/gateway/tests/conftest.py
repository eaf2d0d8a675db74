"""Gateway fixtures: the seeded baseline policy and catalog, a publisher into a temp dir."""

from __future__ import annotations

import pytest

from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.gateway import seed
from tsunagu.gateway.publish import DirectoryPublisher

TOKYO = "130001"


@pytest.fixture
def gateway(db):
    """Version 1 of the policy (baseline sections for all 63 organisations) and the catalog."""
    seed.catalog_seed()
    return seed.policy_seed()


@pytest.fixture
def publisher(tmp_path, settings):
    settings.GATEWAY_PUBLISH_DIR = tmp_path / "published"
    return DirectoryPublisher(root=tmp_path / "published", webhook="")


@pytest.fixture
def secops(db):
    return make_user(Role.TOKYO_SECOPS, TOKYO)


@pytest.fixture
def secops2(db):
    return make_user(Role.TOKYO_SECOPS, TOKYO)
