"""Demo data: names, company names, phones, e-mails and addresses of a contact."""

from __future__ import annotations

from crmdesk.domain.names import person_display_name, person_sort_key
from crmdesk.services import demo_pools as pools
from crmdesk.services.demo_base import Batch, Company, DemoBase, ascii_key


class ContactDetails(DemoBase):
    """Names and contact details, as the services would store them."""

    def person_names(self, first: str, last: str) -> tuple[str, str]:
        """(display name, sort key), computed once per name pair."""
        names = self.names.get((first, last))
        if names is None:
            names = person_display_name(first, last), person_sort_key(first, last)
            self.names[(first, last)] = names
        return names

    def company_name(self, country: pools.Country) -> tuple[str, str]:
        """(name, ascii slug for the web domain)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            core = f"{rng.choice(pools.COMPANY_WORDS)} {rng.choice(pools.COMPANY_TRADES)}"
        elif roll < 0.7:
            core = f"{rng.choice(country.last_names)} {rng.choice(pools.COMPANY_TRADES)}"
        elif roll < 0.85:
            core = (
                f"{rng.choice(pools.COMPANY_WORDS)} {rng.choice(pools.COMPANY_TRADES)} "
                f"{rng.choice(country.cities)[0]}"
            )
        else:
            core = f"{rng.choice(country.last_names)} & {rng.choice(country.last_names)}"
        return f"{core} {country.suffix}", ascii_key(core)

    def phones(
        self, b: Batch, contact_id: str, country: pools.Country, is_company: bool
    ) -> set[str]:
        """One or two mobile numbers; home numbers often typed in national format.

        Numbers of other countries are typed with their country code, so
        parsing what is stored with the database's region gives back the same
        E.164 number the row holds. Returns the number's search tokens.
        """
        rng = self.rng
        tokens: set[str] = set()
        for position in range(1 if rng.random() < 0.75 else 2):
            prefix = rng.choice(country.prefixes)
            rest = country.digits - len(prefix)
            nsn = prefix + f"{rng.randrange(10**rest):0{rest}d}"
            groups, start = [], 0
            for size in country.groups:
                groups.append(nsn[start : start + size])
                start += size
            national = country.trunk + nsn
            if country.code == self.region and rng.random() < 0.6:
                style = rng.random()
                if style < 0.6:
                    raw = " ".join([country.trunk + groups[0], *groups[1:]])
                elif style < 0.8:
                    raw = national
                else:
                    raw = f"{country.trunk}{groups[0]}-{''.join(groups[1:])}"
            elif rng.random() < 0.8:
                raw = " ".join([f"+{country.calling}", *groups])
            else:
                raw = f"+{country.calling}{nsn}"
            digits = raw.replace(" ", "").replace("-", "").replace("+", "")
            e164 = f"+{country.calling}{nsn}"
            label = ("work" if is_company else "mobile") if position == 0 else "work"
            b.phones.append((next(self.ids), contact_id, label, raw, e164, digits[::-1], position))
            tokens.update((digits, e164[1:], national))
        return tokens

    def emails(
        self,
        b: Batch,
        contact_id: str,
        country: pools.Country,
        first: str,
        last: str,
        company: Company | None,
        own_domain: str,
    ) -> list[str]:
        rng = self.rng
        out: list[str] = []
        if own_domain:
            if rng.random() < 0.85:
                out.append(f"{rng.choice(('info', 'sales', 'office', 'orders'))}@{own_domain}")
        elif rng.random() < 0.85:
            f, la = ascii_key(first), ascii_key(last)
            style = rng.random()
            local = f"{f}.{la}" if style < 0.5 else f"{f[0]}{la}" if style < 0.7 else f"{f}{la}"
            if rng.random() < 0.3:
                local += str(rng.randint(1, 99))
            if company is not None and rng.random() < 0.6:
                out.append(f"{f}.{la}@{company.domain}")
            out.append(f"{local}@{country.mail_tld}.{rng.choice(pools.PRIVATE_MAIL_DOMAINS)}")
        for position, address in enumerate(out):
            label = ("work" if company else "") if position == 0 and len(out) > 1 else ""
            b.emails.append(
                (next(self.ids), contact_id, label, address, address.casefold(), position)
            )
        return out

    def address(self, b: Batch, contact_id: str, country: pools.Country, is_company: bool) -> None:
        rng = self.rng
        city, pattern = rng.choice(country.cities)
        postcode = "".join(
            str(rng.randrange(10))
            if c == "#"
            else rng.choice(pools.POSTCODE_LETTERS)
            if c == "@"
            else c
            for c in pattern
        )
        street = rng.choice(country.streets)
        number = rng.randint(1, 120)
        line = f"{number} {street}" if country.code == "GB" else f"{street} {number}"
        if not is_company and country.code == "FI" and rng.random() < 0.4:
            line += f" {rng.choice('ABC')} {rng.randint(1, 40)}"
        b.addresses.append(
            (
                next(self.ids),
                contact_id,
                "office" if is_company else "home",
                line,
                postcode,
                city,
                "",
                country.code,
                0,
            )
        )
