"""Reversible PII redaction for messages sent to external deployments.

Emails, phone numbers (found by `phonenumbers`, Google's libphonenumber, so dates, timestamps and
order numbers stay as they are), card numbers (Luhn-checked), IBANs (mod-97 checked) and any
configured national-id patterns become placeholders such as `[EMAIL_1]`; the mapping stays in memory for the
call only, and placeholders the model echoes are restored in the answer (streamed answers too).
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_PLACEHOLDER = re.compile(r"\[[A-Z_]+_\d+\]")


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    """Whether a string is an IBAN with a valid mod-97 check."""
    compact = text.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _card(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


_BUILTIN: tuple[tuple[str, re.Pattern[str], Callable[[str], bool] | None], ...] = (
    ("EMAIL", _EMAIL, None), ("IBAN", _IBAN, iban_ok), ("CARD", _CARD, _card),
)
# A number glued to an identifier ("INV-2026-000123", "#4155552671") is part of that identifier.
_ID_PREFIX = re.compile(r"[\w#/-]$")
DEFAULT_PHONE_REGIONS = ("US",)


def phone_regions(policy: Any, tenant: Any) -> tuple[str, ...]:
    """Where national-format numbers are read: the policy's `phone_regions`, else the tenant's region
    when it is a country (`in`, `us`, `de`), else the US plan; international (+) numbers always."""
    if policy.phone_regions:
        return tuple(policy.phone_regions)
    region = (tenant.region or "").split("-")[0].upper()
    return (region,) if region in phonenumbers.SUPPORTED_REGIONS else DEFAULT_PHONE_REGIONS


def phone_spans(text: str, regions: Sequence[str]) -> list[tuple[int, int]]:
    """Spans of phone numbers: international ones anywhere, national ones of the given regions.

    STRICT_GROUPING only accepts digits grouped as the numbering plan groups them, which is what
    keeps dates (2026-11-27) and ids (20261127-0042) from reading as numbers.
    """
    spans: set[tuple[int, int]] = set()
    for region in regions or ("ZZ",):
        strict = phonenumbers.Leniency.STRICT_GROUPING
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=strict):
            if not _ID_PREFIX.search(text[:match.start]):
                spans.add((match.start, match.end))
    return sorted(spans)


@dataclass
class Redactor:
    """Redacts one call's messages and restores what comes back."""

    extra_patterns: Mapping[str, str] = field(default_factory=dict)
    phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS
    mapping: dict[str, str] = field(default_factory=dict)
    _by_value: dict[str, str] = field(default_factory=dict)

    def _rules(self) -> list[tuple[str, re.Pattern[str], Callable[[str], bool] | None]]:
        extra = [(name.upper(), re.compile(rx), None) for name, rx in self.extra_patterns.items()]
        return [*_BUILTIN, *extra]

    def _placeholder(self, kind: str, value: str) -> str:
        if value not in self._by_value:
            token = f"[{kind}_{sum(1 for k in self.mapping if k.startswith(f'[{kind}_')) + 1}]"
            self.mapping[token] = value
            self._by_value[value] = token
        return self._by_value[value]

    def redact_text(self, text: str) -> str:
        """Text with every recognised identifier replaced by a placeholder."""
        for kind, pattern, check in self._rules():
            text = pattern.sub(
                lambda m, k=kind, c=check: self._placeholder(k, m.group()) if c is None or c(m.group())
                else m.group(), text)
        return self._redact_phones(text)

    def _redact_phones(self, text: str) -> str:
        out, last = [], 0
        for start, end in phone_spans(text, self.phone_regions):
            if start >= last:
                out += [text[last:start], self._placeholder("PHONE", text[start:end])]
                last = end
        return "".join(out) + text[last:]

    def redact_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Copies of the messages with their text redacted."""
        out = []
        for message in messages:
            content = message.get("content")
            if isinstance(content, str):
                message = {**message, "content": self.redact_text(content)}
            elif isinstance(content, list):
                message = {**message, "content": [
                    {**p, "text": self.redact_text(p["text"])} if isinstance(p.get("text"), str) else p
                    for p in content]}
            out.append(message)
        return out

    def restore(self, text: str) -> str:
        """Text with known placeholders put back."""
        if not self.mapping or "[" not in text:
            return text
        return _PLACEHOLDER.sub(lambda m: self.mapping.get(m.group(), m.group()), text)


@dataclass
class StreamRestorer:
    """Restores placeholders split across streamed chunks by holding back an open `[...`."""

    redactor: Redactor
    pending: str = ""

    def feed(self, text: str) -> str:
        """The restorable prefix of what has arrived so far."""
        text = self.pending + text
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and len(text) - cut < 24:
            self.pending, text = text[cut:], text[:cut]
        else:
            self.pending = ""
        return self.redactor.restore(text)

    def flush(self) -> str:
        """Whatever is still held back."""
        text, self.pending = self.pending, ""
        return self.redactor.restore(text)
