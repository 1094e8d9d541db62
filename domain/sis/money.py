"""Exact money: Decimal amounts with two decimals and ISO-4217 currency codes; never a float."""

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")

# Active ISO-4217 codes for money (metals, test and fund-only codes left out).
_ISO_4217_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS
SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST
XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
ISO_4217 = frozenset(_ISO_4217_CODES.split())
# Currencies without minor units: an amount in them must be whole.
ZERO_DECIMAL = frozenset({
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF",
    "XPF",
})


def _to_decimal(value: Any) -> Any:
    """Strings, ints and Decimals as they are; a float only when its shortest form is exact."""
    if isinstance(value, bool):
        raise ValueError("must be a decimal string such as \"1234.50\"")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, int | str):
        try:
            value = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError("must be a decimal string such as \"1234.50\"") from exc
    if not isinstance(value, Decimal):
        raise ValueError("must be a decimal string such as \"1234.50\"")
    return value


def _check_amount(value: Decimal) -> Decimal:
    """Finite, positive, at most two decimals, within Numeric(12, 2); normalised to cents."""
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if value <= 0:
        raise ValueError("must be greater than 0")
    if value > MAX_AMOUNT:  # before quantize, which overflows the context's precision on huge values
        raise ValueError(f"must be at most {MAX_AMOUNT}")
    if value != value.quantize(CENT):
        raise ValueError("must have at most 2 decimal places")
    return value.quantize(CENT)


def _check_currency(value: Any) -> str:
    """An ISO-4217 code; lower case is accepted and stored upper case."""
    if not isinstance(value, str):
        raise ValueError("must be a 3-letter ISO-4217 code")
    code = value.strip().upper()
    if code not in ISO_4217:
        raise ValueError(f"'{value}' is not an ISO-4217 currency code")
    return code


Money = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    AfterValidator(_check_amount),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json"),
]
Currency = Annotated[str, BeforeValidator(_check_currency)]


def amount_error(amount: Decimal, currency: str) -> str | None:
    """Why an amount is not valid in its currency, or None."""
    if currency in ZERO_DECIMAL and amount != amount.to_integral_value():
        return f"must be a whole amount in {currency}"
    return None
