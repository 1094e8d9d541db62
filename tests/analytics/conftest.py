"""Analytics fixtures: fresh tenants with users made on demand."""

import pytest

from tests.crm.orgs import make_org


@pytest.fixture
def orgs(services):
    """Factory: a fresh tenant."""
    return make_org
