"""PII redaction: real phone numbers go, dates, timestamps, ids and amounts stay."""

from uuid import uuid4

import pytest

from gateway.config import ConfigurationError, Policy, parse_config
from gateway.policy import TenantProfile
from gateway.redaction import Redactor, StreamRestorer, phone_regions

PHONES = ["+49 30 1234567", "(415) 555-2671", "+91 98765 43210", "+44 20 7946 0958", "415.555.2671"]
NOT_PHONES = ["2026-11-27", "2026-11-27T10:15:00Z", "20261127-0042", "INV-2026-000123", "1234567.89 EUR",
              "27.11.2026", "2026/11/27", "order #4155552671", "12:30-14:45", "v1.84.0"]


@pytest.mark.parametrize("number", PHONES)
def test_phone_numbers_are_redacted_and_restored(number: str) -> None:
    redactor = Redactor()
    redacted = redactor.redact_text(f"Call me on {number} after lunch.")
    assert number not in redacted
    assert redacted == "Call me on [PHONE_1] after lunch."
    assert redactor.restore("I will call [PHONE_1].") == f"I will call {number}."


@pytest.mark.parametrize("text", NOT_PHONES)
def test_dates_ids_and_amounts_pass_through(text: str) -> None:
    sentence = f"Invoice note: {text} is due."
    assert Redactor().redact_text(sentence) == sentence


def test_one_message_with_everything() -> None:
    redactor = Redactor({"national_id": r"\b\d{3}-\d{2}-\d{4}\b"})
    text = ("Order 20261127-0042 of 2026-11-27: write to jane@example.com or +49 30 1234567, "
            "card 4111 1111 1111 1111, id 123-45-6789.")
    redacted = redactor.redact_text(text)
    assert redacted == ("Order 20261127-0042 of 2026-11-27: write to [EMAIL_1] or [PHONE_1], "
                        "card [CARD_1], id [NATIONAL_ID_1].")
    restorer = StreamRestorer(redactor)
    streamed = "".join(restorer.feed(piece) for piece in ("Call [PHO", "NE_1] now")) + restorer.flush()
    assert streamed == "Call +49 30 1234567 now"


def tenant(region: str) -> TenantProfile:
    return TenantProfile(id=uuid4(), slug="t", plan="free", region=region)


def test_national_numbers_read_in_the_tenant_country() -> None:
    policy = Policy()
    assert phone_regions(policy, tenant("in")) == ("IN",)
    assert phone_regions(policy, tenant("eu")) == ("US",)  # not a country: the default
    indian = Redactor(phone_regions=("IN",)).redact_text("Ring 098765 43210 today")
    assert indian == "Ring [PHONE_1] today"
    assert Redactor(phone_regions=("DE",)).redact_text("Ring 030 1234567") == "Ring [PHONE_1]"
    configured = Policy(phone_regions=["de", "AT"])
    assert phone_regions(configured, tenant("us")) == ("DE", "AT")


def test_unknown_phone_region_fails_config() -> None:
    raw = {"model_list": [{"model_name": "g", "litellm_params": {"model": "openai/x", "api_base": "http://h"}}],
           "policies": {"default": {"phone_regions": ["XX"]}}}
    with pytest.raises(ConfigurationError, match="policies.default.phone_regions"):
        parse_config(raw)
