"""Network fixtures: the gateway baseline (whose address plan the models use) and every
organisation's demo model."""

from __future__ import annotations

import pytest

from tsunagu.gateway import seed as gateway_seed
from tsunagu.network.seed import network_seed_all


@pytest.fixture
def networks(db):
    gateway_seed.catalog_seed()
    gateway_seed.policy_seed()
    network_seed_all()
