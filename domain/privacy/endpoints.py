"""Privacy endpoints: the data map."""

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from domain.identity.deps import Actor, require
from domain.privacy.datamap import DATA_MAP, STORES, Category, Column, Erasure

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])
Admin = Annotated[Actor, Depends(require("privacy:manage"))]


class TablePublic(BaseModel):
    """One table of the data map."""

    table: str
    category: Category
    erasure: Erasure
    subject: str | None
    retention_days: int | None
    tenant_scoped: bool
    personal_columns: list[str]
    columns: dict[str, Column]
    pseudonymised_on_hold: list[str]
    note: str


class StorePublic(BaseModel):
    """Data kept outside PostgreSQL."""

    store: str
    holds: str
    erasure: str


class DataMapPublic(BaseModel):
    """Every table and store that holds tenant data, classified."""

    tables: list[TablePublic]
    stores: list[StorePublic]


@router.get("/data-map", response_model=DataMapPublic)
def data_map(_: Admin) -> DataMapPublic:
    """What personal data the platform holds, whose it is, how long it is kept, and what erasure does."""
    tables = [
        TablePublic(table=e.table, category=e.category, erasure=e.erasure, subject=e.subject,
                    retention_days=e.retention_days, tenant_scoped=e.tenant_scoped,
                    personal_columns=e.personal_columns, columns=dict(e.columns),
                    pseudonymised_on_hold=list(e.pseudonymise), note=e.note)
        for e in DATA_MAP.values()
    ]
    return DataMapPublic(tables=tables, stores=[StorePublic(**store) for store in STORES])
