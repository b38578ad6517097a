"""Upsell rules: a planted pair is found with the right figures, random baskets give none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from crmdesk.errors import NotFound
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, LineInput
from crmdesk.services.upsell import Thresholds, UpsellService
from reports.baskets import write_baskets

PAIR = ("Espresso beans", "Grinder")


def test_planted_pair_is_found_with_its_figures(crm: Crm) -> None:
    baskets = write_baskets(crm, plant=PAIR)
    with_a = [c for c, names in baskets.bought.items() if PAIR[0] in names]
    with_b = [c for c, names in baskets.bought.items() if PAIR[1] in names]
    both = [c for c in with_a if PAIR[1] in baskets.bought[c]]
    customers = sum(1 for names in baskets.bought.values() if names)

    rules = crm.upsell.rules()

    found = {(r.if_name, r.then_name): r for r in rules.rules}
    assert set(found) <= {PAIR, PAIR[::-1]}, "only the planted link, nothing else"
    rule = found[PAIR]
    assert (rule.both, rule.if_count, rule.then_count) == (len(both), len(with_a), len(with_b))
    assert rule.customers == customers
    confidence = len(both) / len(with_a)
    lift = confidence / (len(with_b) / customers)
    assert rule.confidence == pytest.approx(confidence)
    assert rule.lift == pytest.approx(lift)
    assert rule.reason() == (
        f"{confidence:.0%} of customers who bought Espresso beans also bought Grinder "
        f"({lift:.1f}× the usual rate)"
    )


def test_offer_is_what_the_customer_has_not_bought(crm: Crm) -> None:
    baskets = write_baskets(crm, plant=PAIR)
    only_a = next(c for c, names in baskets.bought.items() if names == {PAIR[0]})
    has_both = next(c for c, names in baskets.bought.items() if set(PAIR) <= names)

    offers = crm.upsell.suggest_for(only_a)

    assert [o.product for o in offers] == ["Grinder"]
    assert offers[0].product_id == baskets.product_ids["Grinder"]
    assert offers[0].reason.endswith(
        f"also bought Grinder ({offers[0].rule.lift:.1f}× the usual rate)"
    )
    assert "Grinder" not in [o.product for o in crm.upsell.suggest_for(has_both)]
    newcomer = crm.contacts.create("person", ContactPatch(first_name="New", last_name="Comer"))
    assert crm.upsell.suggest_for(newcomer) == ()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_baskets_give_no_rules(crm: Crm, seed: int) -> None:
    write_baskets(crm, seed=seed, rate=0.3)

    rules = crm.upsell.rules()

    assert rules.customers > 250
    assert rules.rules == ()


def test_few_customers_give_no_rules_even_with_high_lift(crm: Crm) -> None:
    """Sixty customers, rare products: chance overlaps of a handful look like strong links."""
    write_baskets(crm, customers=60, rate=0.1, seed=11)

    assert crm.upsell.rules().rules == ()
    lenient = UpsellService(crm.ctx, Thresholds(min_both=2, alpha=float("inf")))
    assert lenient.rules().rules, "with lower bars and no chance test the noise would pass"


def test_rules_are_kept_until_purchases_change(crm: Crm) -> None:
    baskets = write_baskets(crm, plant=PAIR)
    only_a = next(c for c, names in baskets.bought.items() if names == {PAIR[0]})
    first = crm.upsell.rules()
    assert crm.upsell.rules() is first, "nothing changed: the same rules, not recomputed"

    purchase = crm.activities.purchase(
        only_a, [LineInput("Grinder", "1", "89.00")], at=datetime(2026, 7, 1, tzinfo=UTC)
    )
    second = crm.upsell.rules()
    assert second is not first
    assert second.generation != first.generation
    assert "Grinder" not in [o.product for o in crm.upsell.suggest_for(only_a)]

    crm.activities.delete(purchase)
    assert crm.upsell.rules() is not second
    assert [o.product for o in crm.upsell.suggest_for(only_a)] == ["Grinder"]


def test_unknown_contact_is_named(crm: Crm) -> None:
    with pytest.raises(NotFound, match="No contact with id nope"):
        crm.upsell.suggest_for("nope")


def test_a_salesperson_seeing_only_their_own_gets_rules_from_those(crm: Crm) -> None:
    baskets = write_baskets(crm, plant=PAIR)
    owner = crm.ctx.actor_id
    theirs = sorted(baskets.bought)[:100]  # the owner's; the rest nobody's (visible to all)
    with crm.db.writing() as session:
        session.execute(
            text(
                "UPDATE contacts SET owner_id = :o WHERE id IN ("
                + ", ".join(f":c{n}" for n in range(len(theirs)))
                + ")"
            ),
            {"o": owner, **{f"c{n}": c for n, c in enumerate(theirs)}},
        )
    everyone = crm.upsell.rules().customers
    crm.users.add("sam", "Sam Berg", "salesperson")
    crm.users.set_policy(own_records_only=True)
    crm.users.sign_in("sam")

    seen = crm.upsell.rules()

    buyers_among_theirs = sum(1 for c in theirs if baskets.bought[c])
    assert seen.customers == everyone - buyers_among_theirs
    with pytest.raises(NotFound):
        crm.upsell.suggest_for(theirs[0])
