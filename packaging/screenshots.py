"""Screenshots of crmdesk for the README and the store pages.

Builds a throw-away profile with demo data, opens the main window at
1280x800, picks a customer with purchases and grabs:

    resources/screenshots/main-window.png    the three panes
    resources/screenshots/contact-dialog.png editing that customer
    resources/screenshots/screen-pop.png     a call from their number
    resources/screenshots/export-dialog.png  File > Export… with its preview
    resources/screenshots/duplicates.png     Sync ▸ Duplicates… after a colleague
                                             entered the same customer offline

Run under a virtual display:

    xvfb-run -a .venv/bin/python packaging/screenshots.py [--out DIR] [--contacts N]

``QT_SCALE_FACTOR=2`` shows how it looks at 200 %.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "screenshots only"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    parser.add_argument("--contacts", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="crmdesk-shots-"))
    os.environ["CRMDESK_HOME"] = str(home)

    from crmdesk.config.settings import Settings
    from crmdesk.services.app import Crm
    from crmdesk.ui.main import application
    from crmdesk.ui.main_window import MainWindow
    from crmdesk.ui.ops import Ops

    app = application()

    def spin(until: Callable[[], bool], timeout: float = 15.0) -> None:
        end = time.monotonic() + timeout
        while not until():
            if time.monotonic() > end:
                raise SystemExit("timed out waiting for the window")
            app.processEvents()
            time.sleep(0.01)
        for _ in range(20):  # let layouts and paints settle
            app.processEvents()
            time.sleep(0.01)

    crm = Crm.create(home / "shop.db", PASSPHRASE, region="FI", currency="EUR")
    contact_id, number = _populate(crm, args.contacts, args.seed)
    ops = Ops()
    window = MainWindow(crm, ops, Settings(locale="en_US", reminders_enabled=False), "shop.db")
    window.resize(1280, 800)
    window.show()
    spin(lambda: window.contacts.model.ready and ops.pending == 0)
    window.show_contact(contact_id)
    spin(
        lambda: (
            window.activity.card is not None and window.activity.model.ready and ops.pending == 0
        )
    )
    window.activity.splitter.setSizes([380, 420])
    args.out.mkdir(parents=True, exist_ok=True)
    _save(window.grab(), args.out / "main-window.png")

    dialog = window.activity.edit_contact()
    assert dialog is not None
    spin(lambda: ops.pending == 0)
    _save(dialog.grab(), args.out / "contact-dialog.png")
    dialog.reject()

    window.pop(number)
    spin(lambda: window.banner.isVisible() and ops.pending == 0)
    _save(window.grab(), args.out / "screen-pop.png")

    window.banner.hide()
    export = window.export()
    export.resize(900, 620)
    spin(lambda: export.table.rowCount() > 0 and ops.pending == 0)
    _save(export.grab(), args.out / "export-dialog.png")
    export.reject()

    crm.duplicates.after_sync({_twin(crm, contact_id)})  # what a sync runs for arrivals
    duplicates = window.open_duplicates()
    duplicates.resize(820, 520)
    spin(lambda: duplicates.list.count() > 0 and ops.pending == 0)
    _save(duplicates.grab(), args.out / "duplicates.png")
    duplicates.close()

    window.close()
    crm.close()
    return 0


def _save(pixmap: object, path: Path) -> None:
    if not pixmap.save(str(path)):  # type: ignore[attr-defined]
        raise SystemExit(f"could not write {path}")
    print(path)


def _populate(crm: object, contacts: int, seed: int) -> tuple[str, str]:
    """Demo data, and a person who bought something, owes money and has a phone."""
    from crmdesk.services import demo
    from crmdesk.services.contact_queries import ContactFilter

    demo.generate(crm, contacts, seed)  # type: ignore[arg-type]
    best: tuple[int, str, str] | None = None
    for row in crm.queries.page(ContactFilter(kind="person"), None, 200):  # type: ignore[attr-defined]
        card = crm.queries.card(row.id, recent=0)  # type: ignore[attr-defined]
        if not card.phones or not card.last_purchases or not card.company_name:
            continue
        kinds = {a.kind for a in crm.activities.timeline(card.id, limit=50)}  # type: ignore[attr-defined]
        score = (
            2 * len(kinds)
            + len(card.last_purchases)
            + 3 * bool(card.open_followups)
            + 2 * bool(card.open_deals)
            + 2 * bool(card.terms)
            + 2 * any(b.owed_minor > 0 for b in card.balances)
            + bool(card.tags)
        )
        if best is None or score > best[0]:
            best = (score, card.id, card.phones[0].raw)
    if best is None:
        raise SystemExit("no contact with purchases in the demo data")
    return best[1], best[2]


def _twin(crm: object, contact_id: str) -> str:
    """The same customer as a colleague typed them offline: number in another form."""
    from crmdesk.services.inputs import ContactPatch, EmailInput, PhoneInput

    card = crm.queries.card(contact_id, recent=0)  # type: ignore[attr-defined]
    twin = crm.contacts.create(  # type: ignore[attr-defined]
        "person",
        ContactPatch(
            first_name=card.first_name,
            last_name=card.last_name,
            phones=[PhoneInput(card.phones[0].e164 or card.phones[0].raw, "mobile")],
            emails=[EmailInput(f"{card.first_name}.{card.last_name}@gmail.example".lower())],
        ),
    )
    crm.activities.log(twin, "visit", "Met at the spring fair; wants a quote")  # type: ignore[attr-defined]
    return str(twin)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
