"""Gateway configuration: LiteLLM's `model_list` YAML plus our `model_info` keys and `policies`.

Loaded once at start; any invalid field fails with its path (`model_list.2.model_info.region: ...`).
With no `COGNIFY_GATEWAY_CONFIG`, a built-in config routes the chat groups to the local llama.cpp
server that `cognify up` starts (see `gateway.local`) and `embed` to the in-process MiniLM model.
`model_info.region: "*"` marks a self-hosted deployment valid in every region.
"""

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cognify.errors import ConfigurationError

LOCAL_MODEL_URL_ENV = "COGNIFY_GATEWAY_LOCAL_URL"
LOCAL_MODEL_URL = "http://127.0.0.1:8765/v1"
LOCAL_GROUPS = ("copilot", "tutor", "fast", "eval")
IGNORED_SECTIONS = ("litellm_settings", "general_settings", "environment_variables")
ANY_REGION = "*"


class ModelInfo(BaseModel):
    """LiteLLM's `model_info` with our additions; unknown LiteLLM keys pass through."""

    model_config = ConfigDict(extra="allow")
    id: str | None = None
    region: str | None = Field(default=None, pattern=r"^(?:\*|[a-z]{2}(?:-[a-z0-9-]+)?)$")
    external: bool = True
    mode: str = "chat"
    input_cost_per_token: Decimal | None = Field(default=None, ge=0)
    output_cost_per_token: Decimal | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _any_region_is_self_hosted(self) -> "ModelInfo":
        if self.region == ANY_REGION and self.external:
            raise ValueError("region '*' (valid in every region) is only for self-hosted deployments "
                             "(external: false)")
        return self


class Deployment(BaseModel):
    """One `model_list` entry, exactly LiteLLM's shape."""

    model_config = ConfigDict(extra="forbid")
    model_name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._:/-]+$")
    litellm_params: dict[str, Any]
    model_info: ModelInfo = Field(default_factory=ModelInfo)

    @field_validator("litellm_params")
    @classmethod
    def _params(cls, params: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(params.get("model"), str) or "/" not in params["model"]:
            raise ValueError("litellm_params.model must be '<provider>/<model>'")
        return params


class Policy(BaseModel):
    """What a tenant may do; unset fields inherit (default < plan < tenant)."""

    model_config = ConfigDict(extra="forbid")
    allowed_groups: list[str] | None = None
    monthly_budget_usd: Decimal | None = Field(default=None, ge=0)
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    redact_pii_for_external: bool | None = None
    redact_patterns: dict[str, str] | None = None
    phone_regions: list[str] | None = None
    cache: bool | None = None
    cache_ttl_seconds: int | None = Field(default=None, ge=1)
    default_max_tokens: int | None = Field(default=None, ge=1)


    @field_validator("phone_regions")
    @classmethod
    def _phone_regions(cls, regions: list[str] | None) -> list[str] | None:
        import phonenumbers

        for region in regions or []:
            if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
                raise ValueError(f"'{region}' is not an ISO 3166 country code phonenumbers knows")
        return [r.upper() for r in regions] if regions is not None else None


class Policies(BaseModel):
    """The `policies:` block."""

    model_config = ConfigDict(extra="forbid")
    default: Policy = Field(default_factory=Policy)
    plans: dict[str, Policy] = Field(default_factory=dict)
    tenants: dict[str, Policy] = Field(default_factory=dict)


def _router_parameters() -> frozenset[str]:
    from litellm.router import _CORE_SIGNATURE

    return frozenset(name for name in _CORE_SIGNATURE.parameters if name not in ("self", "model_list"))


class GatewayConfig(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")
    model_list: list[Deployment] = Field(min_length=1)
    router_settings: dict[str, Any] = Field(default_factory=dict)
    policies: Policies = Field(default_factory=Policies)
    litellm_settings: dict[str, Any] | None = None
    general_settings: dict[str, Any] | None = None
    environment_variables: dict[str, Any] | None = None
    embedded: bool = False
    direct_self_hosted: bool = True

    @field_validator("router_settings")
    @classmethod
    def _router_settings(cls, settings: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(settings) - _router_parameters())
        if unknown:
            raise ValueError(f"'{unknown[0]}' is not a litellm.Router setting")
        return settings

    @model_validator(mode="after")
    def _references(self) -> "GatewayConfig":
        groups = {d.model_name for d in self.model_list}
        for i, entry in enumerate(self.router_settings.get("fallbacks") or []):
            for source, targets in dict(entry).items():
                for name in [source, *targets]:
                    if name not in groups:
                        raise ValueError(f"router_settings.fallbacks.{i}: unknown model group '{name}'")
        named = [("default", self.policies.default), *(
            (f"plans.{k}", p) for k, p in self.policies.plans.items()), *(
            (f"tenants.{k}", p) for k, p in self.policies.tenants.items())]
        for where, policy in named:
            for group in policy.allowed_groups or []:
                if group != "*" and group not in groups:
                    raise ValueError(f"policies.{where}.allowed_groups: unknown model group '{group}'")
        ids = [d.model_info.id for d in self.model_list if d.model_info.id]
        if len(ids) != len(set(ids)):
            raise ValueError("model_list: model_info.id values must be unique")
        return self

    @property
    def groups(self) -> list[str]:
        """Model group names in file order."""
        return list(dict.fromkeys(d.model_name for d in self.model_list))


def _resolve_secrets(raw: Any, path: str) -> Any:
    """Replace LiteLLM's `os.environ/NAME` references; a missing variable fails with its path."""
    if isinstance(raw, dict):
        return {k: _resolve_secrets(v, f"{path}.{k}" if path else str(k)) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_resolve_secrets(v, f"{path}.{i}") for i, v in enumerate(raw)]
    if isinstance(raw, str) and raw.startswith("os.environ/"):
        name = raw.removeprefix("os.environ/")
        if name not in os.environ:
            raise ConfigurationError(f"gateway config {path}: environment variable {name} is not set")
        return os.environ[name]
    return raw


def parse_config(raw: Any, source: str = "gateway config") -> GatewayConfig:
    """Validate a parsed document; errors name the bad field's path."""
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{source}: expected a mapping at the top level")
    try:
        return GatewayConfig.model_validate(_resolve_secrets(raw, ""))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise ConfigurationError(f"{source} {where}: {first['msg']}") from exc


def load_config(path: Path) -> GatewayConfig:
    """Read and validate a YAML config file."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"gateway config {path}: {exc}") from exc
    return parse_config(raw, f"gateway config {path}")


def local_model_url() -> str:
    """The embedded model server's OpenAI base URL (`cognify up` sets it to the port it chose)."""
    return os.environ.get(LOCAL_MODEL_URL_ENV, LOCAL_MODEL_URL)


def embedded_config(base_url: str | None = None) -> GatewayConfig:
    """Chat groups on the local llama.cpp server (SmolLM2-135M-Instruct), `embed` on in-process MiniLM.

    `embed` has exactly one deployment and no fallback: another model would mix vector spaces. It
    runs in this process, so it is valid in every region.
    """
    from vector.local_model import LOCAL_EMBED_MODEL

    base = base_url or local_model_url()
    deployments = [{
        "model_name": group,
        "litellm_params": {"model": "openai/smollm2-135m-instruct", "api_base": base, "api_key": "local"},
        "model_info": {"id": f"local-{group}", "external": False, "input_cost_per_token": 0,
                       "output_cost_per_token": 0},
    } for group in LOCAL_GROUPS]
    deployments.append({
        "model_name": "embed", "litellm_params": {"model": LOCAL_EMBED_MODEL},
        "model_info": {"id": "local-embed", "external": False, "region": ANY_REGION, "mode": "embedding",
                       "input_cost_per_token": 0, "output_cost_per_token": 0},
    })
    return parse_config({
        "model_list": deployments, "embedded": True,
        "router_settings": {"num_retries": 0, "timeout": 120},
        "policies": {"default": {"allowed_groups": ["*"], "default_max_tokens": 512}},
    }, "embedded gateway config")


def configured(path: Path | None) -> GatewayConfig:
    """The operator's config, or the embedded default when none is set."""
    return load_config(path) if path else embedded_config()
