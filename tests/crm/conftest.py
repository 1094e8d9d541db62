"""CRM fixtures: a fresh tenant with an admin, and a lead factory."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest

from tests.crm.orgs import Org, make_org


@dataclass
class Crm:
    """A tenant, its admin's id and headers."""

    org: Org
    admin_id: UUID
    admin: dict[str, str]

    def count(self, table: str) -> int:
        """Rows of a table in this tenant."""
        return self.org.count(table)


@pytest.fixture
def orgs(services):
    """Factory: a fresh tenant."""
    return make_org


@pytest.fixture
def crm(orgs) -> Crm:
    """A fresh tenant and its CRM admin."""
    org = orgs()
    admin_id, admin = org.user("admin")
    return Crm(org, admin_id, admin)


@pytest.fixture
def new_lead(client, crm):
    """Factory: a lead created over HTTP by the admin; its JSON."""
    counter = iter(range(1_000_000))

    def make(**fields: Any) -> dict[str, Any]:
        n = next(counter)
        body = {"name": f"Lead {n}", "contact": {"email": f"lead{n}@example.com"}} | fields
        response = client.post("/api/v1/leads", json=body, headers=crm.admin)
        assert response.status_code == 201, response.text
        return response.json()

    return make
