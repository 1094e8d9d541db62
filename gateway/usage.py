"""Usage reports from the ledger, read through the RLS-bound session of the caller's tenant."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import cast, func
from sqlalchemy.types import Date, String
from sqlmodel import Session, select

from cognify.errors import Forbidden
from cognify.models import utcnow
from cognify.security import Actor
from gateway.models import UsageRecord

GroupBy = Literal["day", "model_group", "user", "purpose", "deployment"]


def usage_report(session: Session, actor: Actor, group_by: GroupBy, days: int) -> dict[str, Any]:
    """Calls, tokens and spend over the last `days`, grouped by one dimension."""
    if not actor.can("gateway:manage"):
        raise Forbidden("Missing permission 'gateway:manage'")
    since: datetime = utcnow() - timedelta(days=days)
    column: Any = {
        "day": cast(cast(UsageRecord.created_at, Date), String),
        "model_group": UsageRecord.model_group,
        "user": cast(func.coalesce(UsageRecord.user_id, UsageRecord.key_id), String),
        "purpose": UsageRecord.purpose,
        "deployment": UsageRecord.deployment,
    }[group_by]
    query = (
        select(column.label("key"), func.count().label("calls"),
               func.sum(UsageRecord.prompt_tokens).label("prompt_tokens"),
               func.sum(UsageRecord.completion_tokens).label("completion_tokens"),
               func.sum(UsageRecord.cost_usd).label("cost_usd"))
        .where(UsageRecord.created_at >= since).group_by(column).order_by(column)
    )
    rows = [dict(row._mapping) for row in session.exec(query)]  # type: ignore[call-overload]
    total = {"calls": sum(r["calls"] for r in rows),
             "prompt_tokens": sum(int(r["prompt_tokens"] or 0) for r in rows),
             "completion_tokens": sum(int(r["completion_tokens"] or 0) for r in rows),
             "cost_usd": str(sum((r["cost_usd"] or Decimal(0) for r in rows), Decimal(0)))}
    for row in rows:
        row["cost_usd"] = str(row["cost_usd"] or 0)
        row["prompt_tokens"] = int(row["prompt_tokens"] or 0)
        row["completion_tokens"] = int(row["completion_tokens"] or 0)
    return {"group_by": group_by, "since": since.isoformat(), "data": rows, "total": total}
