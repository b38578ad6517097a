"""Demo data: a contact's lifecycle history, activities, purchases, deals and follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime

from crmdesk.services import demo_pools as pools
from crmdesk.services.bulk_rows import stamp
from crmdesk.services.demo_base import DAY, DEAL_STAGES, Batch, DemoBase


class Timeline(DemoBase):
    """What happened with a contact over two years, and what is planned."""

    def history(
        self, b: Batch, contact_id: str, stage: str, created: float, purchases: list[float]
    ) -> float:
        """Stage changes from lead to the current stage; returns the last change time."""
        steps: list[tuple[str, float]] = [("lead", created)]
        if stage == "prospect" or (purchases and self.rng.random() < 0.4):
            end = purchases[0] if purchases else self.now
            steps.append(("prospect", self.between(created, min(end, created + 60 * DAY))))
        if purchases:
            steps.append(("customer", purchases[0]))
            if len(purchases) > 1:
                steps.append(("repeat_customer", purchases[1]))
            if stage in ("at_risk", "lapsed"):
                steps.append(("at_risk", purchases[-1] + self.between(150, 180) * DAY))
            if stage == "lapsed":
                steps.append(("lapsed", purchases[-1] + self.between(330, 365) * DAY))
        previous = None
        for to_stage, when in steps:
            b.history.append(
                (next(self.ids), contact_id, previous, to_stage, self.past(when), self.actor)
            )
            previous = to_stage
        return steps[-1][1]

    def activity(
        self,
        b: Batch,
        contact_id: str,
        kind: str,
        when: float,
        deal_id: str | None,
        texts: list[tuple[float, str]],
        *,
        body: str | None = None,
        amount: int | None = None,
        status: str | None = None,
        resolution: str = "",
        resolved: float | None = None,
        activity_id: str | None = None,
    ) -> str:
        rng = self.rng
        if body is None:
            body = rng.choice(
                pools.CALL_NOTES
                if kind == "call"
                else pools.EMAIL_NOTES
                if kind == "email"
                else pools.NOTE_TEXTS
                if kind == "note"
                else pools.MEETING_NOTES
            )
        activity_id = activity_id or next(self.ids)
        at = self.past(when)
        b.activities.append(
            (
                activity_id,
                contact_id,
                kind,
                at,
                body,
                self.actor,
                deal_id,
                amount,
                self.currency if amount is not None else None,
                status,
                resolution,
                self.past(resolved) if resolved is not None else None,
                at,
                self.past(resolved) if resolved is not None else at,
                None,
            )
        )
        b.counts.activities += 1
        if body:
            texts.append((when, body))
        return activity_id

    def purchase(
        self,
        b: Batch,
        contact_id: str,
        when: float,
        terms_days: int,
        is_company: bool,
        texts: list[tuple[float, str]],
    ) -> None:
        """A purchase with order lines, usually paid, sometimes complained about."""
        rng, now = self.rng, self.now
        activity_id = next(self.ids)
        total = 0
        names = []
        for position in range(rng.choice((1, 1, 1, 2, 2, 3)) + is_company):
            product_id, product, price = rng.choice(self.products)
            quantity = rng.choice((1, 1, 1, 2, 4)) * (rng.choice((1, 2, 5)) if is_company else 1)
            line_total = price * quantity
            b.lines.append(
                (
                    next(self.ids),
                    activity_id,
                    product_id,
                    product,
                    str(quantity),
                    price,
                    line_total,
                    position,
                )
            )
            total += line_total
            names.append(product)
        self.activity(
            b, contact_id, "purchase", when, None, texts,
            body=", ".join(names), amount=total, activity_id=activity_id,
        )  # fmt: skip
        # Paid at the till, or on the invoice within the terms; recent invoices
        # and a few old ones are still open.
        due = when + terms_days * DAY
        if terms_days == 0 and rng.random() < 0.7:
            paid_at: float | None = when
        elif due + DAY < now and rng.random() < 0.93:
            paid_at = self.between(when + DAY, min(now, due + 10 * DAY))
        elif rng.random() < 0.4:
            paid_at = self.between(when, now)
        else:
            paid_at = None
        if paid_at is not None:
            self.activity(
                b, contact_id, "payment", paid_at, None, texts,
                body=rng.choice(pools.PAYMENT_TEXTS), amount=total,
            )  # fmt: skip
        if rng.random() < 0.04 and when + DAY < now:
            body, fix = rng.choice(pools.COMPLAINTS)
            at = self.between(when + DAY, min(now, when + 20 * DAY))
            roll = rng.random()
            if (now - at > 30 * DAY and roll < 0.9) or roll < 0.5:
                resolved = self.between(at, min(now, at + 14 * DAY))
                self.activity(
                    b, contact_id, "complaint", at, None, texts,
                    body=body, status="resolved", resolution=fix, resolved=resolved,
                )  # fmt: skip
            else:
                status = "open" if roll < 0.75 else "in_progress"
                self.activity(b, contact_id, "complaint", at, None, texts, body=body, status=status)

    def deal(
        self,
        b: Batch,
        contact_id: str,
        created: float,
        is_company: bool,
        texts: list[tuple[float, str]],
    ) -> str | None:
        """Sometimes a deal; returns its id when it is still open."""
        rng, now = self.rng, self.now
        if rng.random() >= (0.25 if is_company else 0.04):
            return None
        stage = DEAL_STAGES[self.pick(self.cum_deals)][0]
        opened = self.between(created, now - DAY)
        value = rng.randint(20, 800) * 5000 if is_company else rng.randint(2, 60) * 1000
        reason = ""
        closed = None
        if stage in ("won", "lost"):
            closed = min(now, self.between(opened + 3 * DAY, opened + 90 * DAY))
            close_day = closed
            reason = rng.choice(pools.WON_REASONS if stage == "won" else pools.LOST_REASONS)
        else:
            close_day = now + self.between(-10, 120) * DAY
        deal_id = next(self.ids)
        b.deals.append(
            (
                deal_id,
                contact_id,
                rng.choice(pools.DEAL_TITLES),
                stage,
                value,
                self.currency,
                datetime.fromtimestamp(close_day, UTC).date().isoformat(),
                self.actor,
                reason,
                self.past(closed) if closed is not None else None,
                self.past(opened),
                self.past(closed if closed is not None else opened),
                None,
            )
        )
        b.counts.deals += 1
        kind = "meeting" if is_company else "call"
        self.activity(b, contact_id, kind, opened, deal_id, texts)
        return None if closed is not None else deal_id

    def followup(
        self, b: Batch, contact_id: str, created: float, stage: str, deal_id: str | None
    ) -> None:
        """An open follow-up (overdue, due today or upcoming), now and then a done one."""
        rng, now = self.rng, self.now
        roll = rng.random()
        if roll < 0.3:
            due = now - self.between(3600, 21 * DAY)
        elif roll < 0.45:
            due = self.between(now + 60, max(now + 60, self.day_end - 60))
        else:
            due = now + self.between(1, 45) * DAY
        if stage in ("lead", "prospect"):
            what = rng.choice(("Call back about the quote", "Send the catalogue"))
        elif stage in ("at_risk", "lapsed"):
            what = rng.choice(("Win-back call", "Send the seasonal offer"))
        else:
            what = rng.choice(pools.FOLLOWUP_TEXTS)
        priority = rng.choice(("low", "normal", "normal", "normal", "high"))
        recurrence = "yearly" if what == "Remind about tyre change" else "none"
        if deal_id is not None and rng.random() < 0.6:
            what = "Next step on the deal"
        else:
            deal_id = None
        made = max(created, min(due, now) - self.between(1, 30) * DAY)
        b.followups.append(
            (
                next(self.ids),
                contact_id,
                deal_id,
                self.actor,
                stamp(due),
                what,
                priority,
                recurrence,
                None,
                self.past(made),
                self.past(made),
                None,
            )
        )
        b.counts.followups += 1
        if rng.random() < 0.25 and made - created > 2 * DAY:
            old_due = self.between(created, made)
            done = min(now, old_due + rng.random() * 2 * DAY)
            b.followups.append(
                (
                    next(self.ids),
                    contact_id,
                    None,
                    self.actor,
                    self.past(old_due),
                    rng.choice(pools.FOLLOWUP_TEXTS),
                    "normal",
                    "none",
                    self.past(done),
                    self.past(max(created, old_due - DAY)),
                    self.past(done),
                    None,
                )
            )
            b.counts.followups += 1
