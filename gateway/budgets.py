"""Budget keys and reservations: amounts are integer nano-USD (see `gateway.quota` for the scripts)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from gateway.router import NANO


def tenant_budget_key(tenant_id: UUID, now: datetime | None = None) -> str:
    """The Redis key of a tenant's budget for the current calendar month (UTC)."""
    month = (now or datetime.now(UTC)).strftime("%Y-%m")
    return f"gw:budget:t:{tenant_id}:{month}"


def key_budget_key(key_id: UUID) -> str:
    """The Redis key of a virtual key's lifetime budget."""
    return f"gw:budget:k:{key_id}"


def to_nano(usd: Decimal | None) -> int:
    """USD as integer nano-USD; -1 for no limit."""
    return -1 if usd is None else int(usd * NANO)


def usd(nano: int) -> Decimal:
    """Nano-USD as a Decimal amount of USD."""
    return Decimal(nano) / NANO


@dataclass
class Reservation:
    """Money held for one call on its budgets (and the TPM windows its tokens count in)."""

    keys: list[str]
    amount: int
    tpm_keys: list[str] = field(default_factory=list)
    done: bool = False
