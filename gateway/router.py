"""LiteLLM's Router built from our config, with one hidden route group per (group, region).

Region policy is enforced by construction: an `eu` tenant calls `copilot@eu`, a group that holds
only the `eu` deployments of `copilot` (with fallbacks mapped to `@eu` groups too), so the Router
can retry, fall back and cool down without ever being able to pick a deployment outside the region.
Deployments with region `*` (self-hosted, valid anywhere) join every region's group, and `<group>@*`
serves tenants of a region no deployment names.
"""

import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.config import ANY_REGION, Deployment, GatewayConfig
from gateway.direct import direct_capable, router_is_neutral

NANO = Decimal(1_000_000_000)


@dataclass(frozen=True)
class DeploymentInfo:
    """What the gateway needs to know about one deployment."""

    id: str
    group: str
    model: str
    region: str | None
    external: bool
    input_nano: float
    output_nano: float
    direct: bool = False


@dataclass(frozen=True)
class Route:
    """A group as seen from one region: what the Router is asked for and what it may reach."""

    name: str
    deployments: tuple[DeploymentInfo, ...]
    reachable: tuple[DeploymentInfo, ...]
    direct: bool = False

    @property
    def any_external(self) -> bool:
        """Whether a call could leave for an external provider (fallbacks included)."""
        return any(d.external for d in self.reachable)

    def max_cost_nano(self, prompt_tokens: int, max_tokens: int) -> int:
        """The most this call can cost on any deployment it may reach, in nano-USD."""
        return max((math.ceil(prompt_tokens * d.input_nano + max_tokens * d.output_nano)
                    for d in self.reachable), default=0)


def _price(deployment: Deployment, key: str) -> float:
    """Per-token price in nano-USD: model_info override, LiteLLM's params, then its cost map."""
    override = getattr(deployment.model_info, key)
    if override is not None:
        return float(Decimal(override) * NANO)
    if key in deployment.litellm_params:
        return float(Decimal(str(deployment.litellm_params[key])) * NANO)
    import litellm

    model = deployment.litellm_params["model"]
    entry = litellm.model_cost.get(model) or litellm.model_cost.get(model.split("/", 1)[1]) or {}
    return float(Decimal(str(entry.get(key) or 0)) * NANO)


def describe(config: GatewayConfig) -> list[DeploymentInfo]:
    """DeploymentInfo for each entry, with ids filled in (`<group>-<n>` when none is given)."""
    seen: dict[str, int] = {}
    infos = []
    for d in config.model_list:
        seen[d.model_name] = seen.get(d.model_name, 0) + 1
        infos.append(DeploymentInfo(
            id=d.model_info.id or f"{d.model_name}-{seen[d.model_name]}", group=d.model_name,
            model=d.litellm_params["model"], region=d.model_info.region, external=d.model_info.external,
            input_nano=_price(d, "input_cost_per_token"), output_nano=_price(d, "output_cost_per_token"),
            direct=direct_capable(d.litellm_params),
        ))
    return infos


def _in_region(info: DeploymentInfo, region: str | None) -> bool:
    return not region or info.region in (region, ANY_REGION)


def _register_providers(config: GatewayConfig) -> None:
    """Make in-process LiteLLM providers (`cognify-local/...`) known before the Router is built."""
    from vector.provider import PROVIDER, register_local_embedder

    if any(d.litellm_params["model"].startswith(f"{PROVIDER}/") for d in config.model_list):
        register_local_embedder()


def route_name(group: str, region: str | None) -> str:
    """The Router group a tenant of `region` calls for `group`."""
    return f"{group}@{region}" if region else group


class RouterSet:
    """The Router plus the routes and deployments it was built with."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.deployments = describe(config)
        self.by_id = {d.id: d for d in self.deployments}
        regions = sorted({d.region for d in self.deployments if d.region and d.region != ANY_REGION})
        if any(d.region == ANY_REGION for d in self.deployments):
            regions.append(ANY_REGION)
        _register_providers(config)
        model_list: list[dict[str, Any]] = []
        for entry, info in zip(config.model_list, self.deployments, strict=True):
            for region in [None, *regions]:
                if not _in_region(info, region):
                    continue
                model_info = entry.model_info.model_dump(exclude_none=True, mode="json")
                model_info["id"] = f"{info.id}@{region}" if region else info.id
                model_list.append({"model_name": route_name(info.group, region),
                                   "litellm_params": dict(entry.litellm_params), "model_info": model_info})
        settings = dict(config.router_settings)
        fallbacks = list(settings.pop("fallbacks", None) or [])
        names = {m["model_name"] for m in model_list}
        self.fallbacks: dict[str, list[str]] = {}
        for entry in fallbacks:
            for source, targets in dict(entry).items():
                for region in [None, *regions]:
                    src = route_name(source, region)
                    mapped = [route_name(t, region) for t in targets if route_name(t, region) in names]
                    if src in names and mapped:
                        self.fallbacks.setdefault(src, []).extend(mapped)
        self.routes = self._routes(names)
        from litellm import Router  # LiteLLM takes seconds to import: not at module import time

        # Its warnings are about our own choices (custom prices for self-hosted models); errors still show.
        logging.getLogger("LiteLLM").setLevel(logging.ERROR)

        self.router = Router(model_list=model_list,
                             fallbacks=[{k: v} for k, v in self.fallbacks.items()], **settings)

    def _routes(self, names: set[str]) -> dict[str, Route]:
        members: dict[str, list[DeploymentInfo]] = {}
        for name in names:
            group, _, region = name.partition("@")
            members[name] = [d for d in self.deployments if d.group == group and _in_region(d, region)]
        routes = {}
        neutral = router_is_neutral(self.config)
        for name, own in members.items():
            reachable = list(own)
            for target in self.fallbacks.get(name, []):
                reachable.extend(members[target])
            direct = neutral and bool(own) and all(d.direct for d in own)
            routes[name] = Route(name, tuple(own), tuple(reachable), direct)
        return routes

    def route(self, group: str, region: str | None) -> Route | None:
        """The route for a tenant's region, or None when no deployment of the group is in it."""
        route = self.routes.get(route_name(group, region))
        if route is None and region:
            route = self.routes.get(route_name(group, ANY_REGION))
        return route

    def deployment(self, model_id: str | None) -> DeploymentInfo | None:
        """The deployment a Router model id names (region copies map to their original)."""
        if not model_id:
            return None
        return self.by_id.get(model_id.partition("@")[0])
