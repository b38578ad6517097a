"""Activities, purchases, payments, follow-ups and deals through the command line."""

from __future__ import annotations

import pytest

from crmdesk.errors import NotFound, ValidationError


@pytest.fixture
def customer(db_cli) -> str:
    return db_cli(
        "contact",
        "add",
        "--first",
        "Matti",
        "--last",
        "Virtanen",
        "--phone",
        "050 555 1234",
        "--email",
        "matti@virtanen.fi",
    ).out.strip()


def test_log_purchase_payment_balance(db_cli, customer: str) -> None:
    assert db_cli("log", "050 5551234", "--type", "call", "--text", "Wants rims").code == 0
    bought = db_cli("purchase", customer, "--item", "Winter tyre:4:89,90", "--item", "Fitting:1:40")
    assert bought.code == 0, bought.err
    assert "399.60 EUR" in bought.out
    assert db_cli("payment", "matti@virtanen.fi", "--amount", "100,50").code == 0
    card = db_cli("contact", "show", customer, "--json").json()
    assert card["balances"] == [{"currency": "EUR", "purchased_minor": 39960, "paid_minor": 10050}]
    assert card["stage"] == "customer"
    kinds = [a["kind"] for a in card["recent_activities"]]
    assert kinds == ["payment", "purchase", "call"]
    lines = card["recent_activities"][1]["lines"]
    assert [(ln["description"], ln["quantity"], ln["line_total_minor"]) for ln in lines] == [
        ("Winter tyre", "4", 35960),
        ("Fitting", "1", 4000),
    ]
    assert "Balance owed: 299.10 EUR" in db_cli("contact", "show", customer).out


def test_bad_purchase_and_payment_are_refused_whole(db_cli, customer: str) -> None:
    bad = db_cli("purchase", customer, "--item", "Tyre:4:89.90", "--item", "Rim:two:10")
    assert bad.code == ValidationError.exit_code
    assert "not a quantity" in bad.err
    assert db_cli("purchase", customer, "--item", "no price").code == ValidationError.exit_code
    assert db_cli("payment", customer, "--amount", "-5").code == ValidationError.exit_code
    assert db_cli("payment", customer, "--amount", "12.3456").code == ValidationError.exit_code
    card = db_cli("contact", "show", customer, "--json").json()
    assert card["balances"] == [] and card["recent_activities"] == []


def test_log_at_past_time_and_complaint_flow(db_cli, customer: str) -> None:
    logged = db_cli(
        "log", customer, "--type", "visit", "--text", "Showroom", "--at", "2025-03-01 10:00"
    )
    assert logged.code == 0
    complaint = db_cli("log", customer, "--type", "complaint", "--text", "Noisy tyre").out.strip()
    card = db_cli("contact", "show", customer, "--json").json()
    assert [c["id"] for c in card["open_complaints"]] == [complaint]
    assert card["recent_activities"][-1]["occurred_at"].startswith("2025-03-01")
    done = db_cli("complaint", complaint, "--status", "resolved", "--resolution", "Rebalanced")
    assert done.code == 0
    card = db_cli("contact", "show", customer, "--json").json()
    assert card["open_complaints"] == []
    resolved = next(a for a in card["recent_activities"] if a["id"] == complaint)
    assert resolved["status"] == "resolved" and resolved["resolution"] == "Rebalanced"
    assert resolved["resolved_at"]
    assert (
        db_cli("log", customer, "--type", "call", "--text", "  ").code == ValidationError.exit_code
    )
    assert (
        db_cli("log", customer, "--type", "call", "--text", "x", "--at", "someday").code
        == ValidationError.exit_code
    )


def test_followups(db_cli, customer: str) -> None:
    late = db_cli(
        "followup", "add", customer, "--due", "2020-01-01 09:00", "--text", "Send catalogue"
    ).out.strip()
    soon = db_cli(
        "followup", "add", customer, "--due", "+30d", "--text", "Check tyres", "--repeat", "monthly"
    ).out.strip()
    overdue = db_cli("followup", "list", "--overdue", "--json").json()
    assert [f["id"] for f in overdue] == [late]
    assert "OVERDUE" in db_cli("followup", "list").out
    upcoming = db_cli("followup", "list", "--upcoming", "--json").json()
    assert [f["id"] for f in upcoming] == [soon]
    assert db_cli("followup", "done", late).code == 0
    assert db_cli("followup", "list", "--overdue", "--json").json() == []
    again = db_cli("followup", "done", late)
    assert again.code == ValidationError.exit_code and "already done" in again.err
    nxt = db_cli("followup", "done", soon, "--json").json()
    assert nxt["next_id"]
    open_now = db_cli("followup", "list", "--json").json()
    assert [f["id"] for f in open_now] == [nxt["next_id"]]
    assert open_now[0]["recurrence"] == "monthly"
    snoozed = db_cli("followup", "snooze", nxt["next_id"], "--until", "2031-05-05 12:00")
    assert snoozed.code == 0
    assert db_cli("followup", "list", "--json").json()[0]["due_at"].startswith("2031-05-05")
    assert (
        db_cli("followup", "done", "01a20000-0000-7000-8000-000000000000").code
        == NotFound.exit_code
    )


def test_deals(db_cli, customer: str) -> None:
    deal = db_cli(
        "deal",
        "add",
        customer,
        "--title",
        "Fleet tyres",
        "--value",
        "12 000",
        "--close",
        "2027-01-31",
    ).out.strip()
    assert db_cli("contact", "show", customer, "--json").json()["open_deals"][0]["id"] == deal
    assert db_cli("deal", "move", deal, "won", "--reason", "Best price").code == 0
    deals = db_cli("deal", "list", customer, "--json").json()
    assert deals[0]["stage"] == "won" and deals[0]["reason"] == "Best price"
    assert deals[0]["value_minor"] == 1_200_000
    assert db_cli("contact", "show", customer, "--json").json()["open_deals"] == []
    assert db_cli("deal", "move", deal, "sideways").code == ValidationError.exit_code
