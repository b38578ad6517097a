"""Money: integer minor units with an ISO 4217 currency; never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from crmdesk.errors import ValidationError

ZERO_DECIMAL = {"JPY", "KRW", "ISK", "CLP", "VND"}
THREE_DECIMAL = {"BHD", "KWD", "JOD", "OMR", "TND"}
KNOWN = {
    "EUR",
    "USD",
    "GBP",
    "SEK",
    "NOK",
    "DKK",
    "CHF",
    "JPY",
    "PLN",
    "CZK",
    "HUF",
    "RON",
    "BGN",
    "ISK",
    "CAD",
    "AUD",
    "NZD",
    "CNY",
    "INR",
    "BRL",
    "MXN",
    "ZAR",
    "TRY",
    "KRW",
    "SGD",
    "HKD",
    "CLP",
    "VND",
    *THREE_DECIMAL,
}
SYMBOLS = "€$£¥"
# (thousands separator, decimal separator) per language
LOCALE_STYLE = {
    "en": (",", "."),
    **{lang: (".", ",") for lang in ("it", "de", "es", "pt", "nl")},
    **{lang: ("\u00a0", ",") for lang in ("fi", "et", "sl", "sv", "fr", "pl", "cs")},
}


def currency_exponent(code: str) -> int:
    """How many decimals the currency has (EUR 2, JPY 0, KWD 3)."""
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def validate_currency(code: str) -> str:
    """A known ISO 4217 code in upper case."""
    upper = code.strip().upper()
    if upper not in KNOWN:
        raise ValidationError(f"'{code}' is not a currency code like EUR or USD.", field="currency")
    return upper


@dataclass(frozen=True)
class Money:
    """An amount in minor units (cents) of one currency."""

    minor: int
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValidationError(f"Cannot combine {self.currency} and {other.currency} amounts.")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    @property
    def is_zero(self) -> bool:
        return self.minor == 0

    def as_decimal(self) -> Decimal:
        """The amount in major units, exact."""
        return Decimal(self.minor).scaleb(-currency_exponent(self.currency))


def parse_amount(text: str, currency: str) -> Money:
    """Parse ``12``, ``12.50``, ``12,50``, ``1 234,50``, ``1,234.50`` or ``1.234,50``."""
    exponent = currency_exponent(currency)
    cleaned = text.strip().replace(currency, "").strip(SYMBOLS + " ")
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", cleaned)
    error = ValidationError(f"'{text.strip()}' is not an amount of money.", field="amount")
    if not re.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*", cleaned or "x"):
        raise error
    sign, digits = (
        ("-", cleaned[1:])
        if cleaned[0] in "+-" and cleaned[0] == "-"
        else ("", cleaned.lstrip("+"))
    )
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    decimal_sep = None
    if last_dot >= 0 and last_comma >= 0:
        decimal_sep = "." if last_dot > last_comma else ","
    elif last_dot >= 0 or last_comma >= 0:
        sep = "." if last_dot >= 0 else ","
        # One separator followed by exactly three digits, more than once or
        # with exponent != 3, is a thousands separator: "1.234" or "1,234,567".
        parts = digits.split(sep)
        if len(parts) > 2 or (len(parts[-1]) == 3 and exponent != 3 and parts[0] != "0"):
            if not all(len(p) == 3 for p in parts[1:]):
                raise error
        else:
            decimal_sep = sep
    if decimal_sep:
        thousands = "," if decimal_sep == "." else "."
        whole, _, fraction = digits.rpartition(decimal_sep)
        if decimal_sep in whole:
            raise error
        whole = whole.replace(thousands, "")
        if not whole.isdigit() and whole != "":
            raise error
        number = f"{whole or '0'}.{fraction}"
    else:
        number = digits.replace(".", "").replace(",", "")
    try:
        value = Decimal(sign + number)
    except InvalidOperation:
        raise error from None
    if -value.as_tuple().exponent > exponent:  # type: ignore[operator]
        raise ValidationError(
            f"'{text.strip()}' has more decimals than {currency} allows ({exponent}).",
            field="amount",
        )
    return Money(int(value.scaleb(exponent)), currency)


def multiply(unit: Money, quantity: Decimal) -> Money:
    """``unit × quantity``, rounded half up to whole minor units."""
    total = (Decimal(unit.minor) * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Money(int(total), unit.currency)


def format_plain(m: Money, decimal: str = ".") -> str:
    """``-1234.50``: no thousands separator, for CSV and machines."""
    exponent = currency_exponent(m.currency)
    sign = "-" if m.minor < 0 else ""
    whole, fraction = divmod(abs(m.minor), 10**exponent)
    if exponent == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}{decimal}{fraction:0{exponent}d}"


def format_money(m: Money, locale_hint: str = "en") -> str:
    """``1,234.50 EUR`` (en) or ``1 234,50 EUR`` (fi) for people to read."""
    thousands, decimal = LOCALE_STYLE.get(locale_hint[:2].lower(), LOCALE_STYLE["en"])
    plain = format_plain(Money(abs(m.minor), m.currency), decimal)
    whole, _, fraction = plain.partition(decimal)
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = thousands.join(groups) + (decimal + fraction if fraction else "")
    return f"{'-' if m.minor < 0 else ''}{text} {m.currency}"
