"""Money: whole minor units (cents) with an ISO 4217 currency code; never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from crmdesk.errors import ValidationError

ZERO_DECIMAL = frozenset({"JPY", "KRW", "ISK", "CLP", "VND", "PYG", "UGX", "XAF", "XOF"})
THREE_DECIMAL = frozenset({"BHD", "KWD", "JOD", "OMR", "TND", "IQD", "LYD"})
_COMMON = (
    "EUR USD GBP SEK NOK DKK CHF JPY PLN CZK HUF RON BGN ISK CAD AUD NZD "
    "CNY INR BRL MXN ZAR TRY KRW SGD HKD CLP VND"
)
KNOWN = frozenset(_COMMON.split()) | ZERO_DECIMAL | THREE_DECIMAL
#: Largest amount accepted from text, in minor units (well inside a 64-bit integer).
MAX_MINOR = 10**15
SYMBOLS = "€$£¥"
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
NBSP = "\u00a0"
# (thousands separator, decimal separator) per language
LOCALE_STYLE: dict[str, tuple[str, str]] = {
    "en": (",", "."),
    **{lang: (".", ",") for lang in ("it", "de", "es", "pt", "nl")},
    **{lang: (NBSP, ",") for lang in ("fi", "et", "sl", "sv", "fr", "pl", "cs")},
}


def currency_exponent(code: str) -> int:
    """How many decimals the currency has: EUR 2, JPY 0, KWD 3."""
    code = code.upper()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def validate_currency(code: str) -> str:
    """A known ISO 4217 code, upper case (``eur`` gives ``EUR``)."""
    upper = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", upper) or upper not in KNOWN:
        raise ValidationError(
            f"'{code.strip()}' is not a currency code like EUR or USD.", field="currency"
        )
    return upper


@dataclass(frozen=True, order=False)
class Money:
    """An amount in whole minor units (cents) of one currency."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError(f"Money needs whole minor units, not {type(self.minor).__name__}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in ``currency``."""
        return cls(0, currency)

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValidationError(
                f"Cannot combine amounts in {self.currency} and {other.currency}.",
                field="currency",
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._same_currency(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._same_currency(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    @property
    def is_zero(self) -> bool:
        """True for an amount of nothing."""
        return self.minor == 0

    def as_decimal(self) -> Decimal:
        """The amount in major units, exactly (``Money(1250, "EUR")`` gives ``12.50``)."""
        return Decimal(self.minor).scaleb(-currency_exponent(self.currency))


def _strip_currency(text: str, currency: str) -> str:
    """``text`` without the currency's code or a currency symbol at either end."""
    out = text.strip()
    for _ in range(2):  # "EUR €12" or "-12 € EUR"
        if currency and out[:3].upper() == currency:
            out = out[3:]
        if currency and out[-3:].upper() == currency:
            out = out[:-3]
        out = out.strip().strip(SYMBOLS).strip()
    # "-€12.50" / "€-12.50": a sign may stand before or after the symbol.
    if out[:1] in "+-" and out[1:2] and out[1] in SYMBOLS:
        out = out[0] + out[2:].lstrip()
    return out


def _grouped(whole: str, thousands: str) -> bool:
    """True for ``1,234,567``-style digits grouped by threes with ``thousands``."""
    return re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})*", whole) is not None


def _split(body: str, exponent: int) -> tuple[str, str] | None:
    """(whole digits, fraction digits) of ``1.234,50``-style text; None if malformed."""
    dots, commas = body.count("."), body.count(",")
    if not dots and not commas:
        return body, ""
    if dots and commas:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        whole, _, fraction = body.rpartition(decimal)
        if decimal in whole or not _grouped(whole, thousands):
            return None
        return whole.replace(thousands, ""), fraction
    sep = "." if dots else ","
    whole, _, fraction = body.partition(sep)
    grouping = (dots or commas) > 1 or (
        exponent == 0 and len(fraction) == 3 and whole not in ("", "0") and len(whole) <= 3
    )
    if grouping:
        # "1.234.567", or "1,234" in a currency without decimals.
        return (body.replace(sep, ""), "") if _grouped(body, sep) else None
    return whole, fraction


def parse_amount(text: str, currency: str) -> Money:
    """Parse an amount typed in either decimal style into :class:`Money`.

    Accepts ``12``, ``12.50``, ``12,50``, ``1 234,50``, ``1,234.50``,
    ``1.234,50``, ``-5``, with a currency symbol (€ $ £ ¥) or the currency's
    own code before or after it. A separator that appears once is the decimal
    one, so ``12.345`` in EUR is refused as having too many decimals (except in
    currencies without decimals, where ``1,234`` is 1234).
    """
    currency = currency.strip().upper()
    exponent = currency_exponent(currency)
    shown = " ".join(text.split())
    if not shown:
        raise ValidationError("An amount cannot be empty.", field="amount")
    error = ValidationError(
        f"'{shown}' is not an amount of money; type it like 12.50, 12,50 or 1 234,50.",
        field="amount",
    )
    rest = _strip_currency(text, currency)
    negative = rest[:1] == "-"
    if rest[:1] in ("+", "-"):
        rest = rest[1:].lstrip()
    groups = _SPACES.split(rest)
    if len(groups) > 1:
        # Spaces (or apostrophes) group thousands: "1 234 567,50".
        head, *middle, last = groups
        if not (re.fullmatch(r"\d{1,3}", head) and all(re.fullmatch(r"\d{3}", g) for g in middle)):
            raise error
        if not re.fullmatch(r"\d{3}(?:[.,]\d*)?", last):
            raise error
        body = head + "".join(middle) + last
        whole, _, fraction = body.replace(",", ".").partition(".")
    else:
        if not re.fullmatch(r"[\d.,]*\d[\d.,]*", rest):
            raise error
        parts = _split(rest, exponent)
        if parts is None:
            raise error
        whole, fraction = parts
    if not (whole.isdigit() or whole == "") or not (fraction.isdigit() or fraction == ""):
        raise error
    if not whole and not fraction:
        raise error
    if len(fraction) > exponent:
        places = "no decimals" if exponent == 0 else f"at most {exponent} decimals"
        raise ValidationError(
            f"'{shown}' has too many decimals; {currency} amounts have {places}.", field="amount"
        )
    minor = int(f"{whole or '0'}{fraction.ljust(exponent, '0')}")
    if minor >= MAX_MINOR:
        raise ValidationError(f"'{shown}' is too large an amount.", field="amount")
    return Money(-minor if negative else minor, currency)


def multiply(unit: Money, quantity: Decimal | int) -> Money:
    """``unit × quantity``, rounded half up (away from zero) to whole minor units."""
    if isinstance(quantity, float):
        raise TypeError("multiply() needs a Decimal quantity, not a float")
    with localcontext() as ctx:
        ctx.prec = 60
        total = (Decimal(unit.minor) * Decimal(quantity)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    return Money(int(total), unit.currency)


def format_plain(m: Money, decimal: str = ".") -> str:
    """``-1234.50``: no thousands separator, for CSV files and machines."""
    exponent = currency_exponent(m.currency)
    sign = "-" if m.minor < 0 else ""
    whole, fraction = divmod(abs(m.minor), 10**exponent)
    if exponent == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}{decimal}{fraction:0{exponent}d}"


def format_money(m: Money, locale_hint: str = "en") -> str:
    """``1,234.50 EUR`` (``en``) or ``1 234,50 EUR`` (``fi``) for people to read.

    ``locale_hint`` is a language or locale name (``de``, ``fi_FI``); unknown
    ones get the English style.
    """
    thousands, decimal = LOCALE_STYLE.get(locale_hint[:2].lower(), LOCALE_STYLE["en"])
    whole, _, fraction = format_plain(Money(abs(m.minor), m.currency), decimal).partition(decimal)
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = thousands.join(groups) + (decimal + fraction if fraction else "")
    return f"{'-' if m.minor < 0 else ''}{text} {m.currency}"
