"""Tenant policy: the effective policy of a tenant, and its admission checks before a call.

Order of checks: allow-list (404), region (403), rate limits (429 + Retry-After), then the
budget reservation (429 insufficient_quota) last, so a refused call never holds money. The limits
and the reservation are one Redis script call (`gateway.quota`).
"""

from dataclasses import dataclass
from uuid import UUID

from gateway import errors
from gateway.budgets import Reservation, key_budget_key, tenant_budget_key, to_nano
from gateway.config import Policies, Policy
from gateway.keys import KeyIdentity
from gateway.metrics import REFUSALS
from gateway.quota import Quota, Refusal, Window
from gateway.redaction import Redactor
from gateway.router import Route, RouterSet

DEFAULTS = Policy(allowed_groups=["*"], redact_pii_for_external=False, cache=False, cache_ttl_seconds=300,
                  default_max_tokens=1024, redact_patterns={})


@dataclass(frozen=True)
class TenantProfile:
    """The tenant facts policy depends on."""

    id: UUID
    slug: str
    plan: str
    region: str | None


@dataclass(frozen=True)
class Caller:
    """Who is calling and why: a user (JWT or in-process) or a virtual key, and a purpose."""

    tenant_id: UUID
    user_id: UUID | None = None
    key: KeyIdentity | None = None
    purpose: str = "api"


@dataclass
class Admission:
    """A call that passed policy: where it goes and what it holds."""

    route: Route
    policy: Policy
    prompt_tokens: int
    reservation: Reservation
    redactor: Redactor | None = None
    max_tokens: int = 0


def effective_policy(policies: Policies, tenant: TenantProfile) -> Policy:
    """Built-in defaults < `default` < the tenant's plan < the tenant (by slug or id)."""
    merged = DEFAULTS.model_dump()
    layers = [policies.default, policies.plans.get(tenant.plan),
              policies.tenants.get(tenant.slug) or policies.tenants.get(str(tenant.id))]
    for layer in layers:
        if layer is not None:
            merged.update(layer.model_dump(exclude_none=True))
    return Policy(**merged)


def allowed(policy: Policy, group: str) -> bool:
    """Whether the policy lets the tenant use a model group."""
    groups = policy.allowed_groups or []
    return "*" in groups or group in groups


def resolve_route(routers: RouterSet, policy: Policy, tenant: TenantProfile, group: str) -> Route:
    """The route for this tenant, or model_not_found / region_not_allowed."""
    if group not in routers.config.groups or not allowed(policy, group):
        REFUSALS.labels("model_not_found").inc()
        raise errors.model_not_found(group)
    route = routers.route(group, tenant.region)
    if route is None:
        REFUSALS.labels("region").inc()
        raise errors.region_unavailable(group, tenant.region or "")
    return route


def _windows(policy: Policy, caller: Caller) -> tuple[list[Window], list[str], list[str]]:
    windows, scopes, tpm_keys = [], [], []
    owners = [(f"t:{caller.tenant_id}", "tenant", policy.rpm, policy.tpm)]
    if caller.key:
        owners.append((f"k:{caller.key.key_id}", "API key", caller.key.rpm, caller.key.tpm))
    for ident, scope, rpm, tpm in owners:
        if rpm:
            windows.append(Window(f"gw:rpm:{ident}", rpm, 1))
            scopes.append(f"{scope} requests per minute")
        if tpm:
            windows.append(Window(f"gw:tpm:{ident}", tpm, 0))
            scopes.append(f"{scope} tokens per minute")
            tpm_keys.append(f"gw:tpm:{ident}")
    return windows, scopes, tpm_keys


async def admit(quota: Quota, route: Route, policy: Policy, caller: Caller, prompt_tokens: int,
                max_tokens: int) -> Admission:
    """Check rate limits and reserve the call's maximum cost on every budget, in one Redis call."""
    windows, scopes, tpm_keys = _windows(policy, caller)
    budgets_to_hold = [(tenant_budget_key(caller.tenant_id), to_nano(policy.monthly_budget_usd))]
    names = ["tenant's monthly"]
    if caller.key:
        budgets_to_hold.append((key_budget_key(caller.key.key_id), to_nano(caller.key.budget_usd)))
        names.append("API key's")
    amount = route.max_cost_nano(prompt_tokens, max_tokens)
    outcome = await quota.admit(windows, budgets_to_hold, amount, tpm_keys)
    if isinstance(outcome, Refusal):
        if outcome.kind == "limit":
            REFUSALS.labels("rate_limit").inc()
            raise errors.rate_limited(scopes[outcome.index], outcome.wait)
        REFUSALS.labels("budget").inc()
        raise errors.insufficient_quota(names[outcome.index])
    return Admission(route, policy, prompt_tokens, outcome)
