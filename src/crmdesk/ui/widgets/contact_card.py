"""The contact card: who they are, how to reach them, what they owe and what is open."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.upsell import Offer
from crmdesk.services.views import ContactCard, DealView
from crmdesk.ui import fmt
from crmdesk.ui.widgets.common import muted, title_label
from crmdesk.ui.widgets.icons import avatar_pixmap

CHIP = "background-color:#e3ecf7; color:#1a3a5c;"


class Tile(QFrame):
    """A figure with its caption: ``Balance owed / 120.00 EUR``."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setProperty("role", "tile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        self.caption = muted(caption)
        self.value = title_label("", 1.1)
        self.value.setWordWrap(True)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addStretch(1)

    def set(self, value: str, tooltip: str = "", alert: bool = False) -> None:
        self.value.setText(value)
        self.value.setStyleSheet("color:#c62828;" if alert else "")
        self.setToolTip(tooltip)


def _row(label: str, html: str) -> str:
    head = f"<td style='color:gray; padding-right:12px' valign='top'>{label}</td>"
    return f"<tr>{head}<td>{html}</td></tr>"


def details_html(card: ContactCard) -> str:
    """The two-column table of contact details."""
    e = fmt.esc
    rows = []
    if card.phones:
        rows.append(
            _row(
                "Phone",
                "<br>".join(
                    f"{e(p.display)} <span style='color:gray'>{e(p.label)}</span>"
                    for p in card.phones
                ),
            )
        )
    if card.emails:
        rows.append(
            _row(
                "E-mail",
                "<br>".join(
                    f"<a href='mailto:{e(m.address)}'>{e(m.address)}</a>"
                    f" <span style='color:gray'>{e(m.label)}</span>"
                    for m in card.emails
                ),
            )
        )
    if card.addresses:
        rows.append(
            _row(
                "Address",
                "<br>".join(
                    f"{e(a.one_line())} <span style='color:gray'>{e(a.label)}</span>"
                    for a in card.addresses
                ),
            )
        )
    if card.website:
        rows.append(_row("Website", e(card.website)))
    if card.tags:
        rows.append(
            _row(
                "Tags",
                " ".join(f"<span style='{CHIP}'>&nbsp;{e(t)}&nbsp;</span>" for t in card.tags),
            )
        )
    stage = e(fmt.stage_label(card.stage))
    if card.source:
        stage += f" <span style='color:gray'>· met via {e(card.source)}</span>"
    rows.append(_row("Stage", stage))
    deals = [
        f"<a href='deal:{d.id}'>{e(d.title)}</a> — {e(fmt.deal_stage_label(d.stage))}"
        f" · {e(fmt.money(d.value_minor, d.currency))}"
        for d in card.open_deals
    ]
    deals.append("<a href='newdeal:'>New deal…</a>")
    rows.append(_row("Open deals" if card.open_deals else "Deals", "<br>".join(deals)))
    if card.open_followups:
        nxt = card.open_followups[0]
        more = (
            f" <span style='color:gray'>(+{len(card.open_followups) - 1} more)</span>"
            if len(card.open_followups) > 1
            else ""
        )
        rows.append(
            _row(
                "Next follow-up", f"{e(fmt.when(nxt.due_at))} — {e(nxt.text or 'follow up')}{more}"
            )
        )
    if card.open_complaints:
        n = len(card.open_complaints)
        rows.append(_row("Complaints", f"<span style='color:#c62828'>{n} open</span>"))
    if card.members:
        names = ", ".join(
            f"<a href='contact:{m.id}'>{e(m.display_name)}</a>" for m in card.members[:12]
        )
        extra = f" and {len(card.members) - 12} more" if len(card.members) > 12 else ""
        rows.append(_row("People", names + extra))
    for label, value in card.custom:
        rows.append(_row(e(label), e(value)))
    if card.notes:
        notes = card.notes if len(card.notes) < 400 else card.notes[:400] + "…"
        rows.append(_row("Notes", e(notes)))
    if not card.consent_marketing:
        rows.append(_row("Marketing", "<span style='color:gray'>no consent</span>"))
    return f"<table cellspacing='0' cellpadding='2'>{''.join(rows)}</table>"


class ContactCardView(QWidget):
    """Shows one :class:`ContactCard`; asks the window for edits through signals."""

    edit_requested = Signal()
    deal_requested = Signal()
    deal_clicked = Signal(object)  # DealView
    contact_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card: ContactCard | None = None
        self.avatar = QLabel()
        self.name_label = title_label("", 1.5)
        self.name_label.setWordWrap(True)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = muted()
        self.subtitle.setTextFormat(Qt.TextFormat.RichText)
        self.subtitle.linkActivated.connect(self._link)
        self.subtitle.setWordWrap(True)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.name_label)
        names.addWidget(self.subtitle)
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setToolTip("Edit this contact (Ctrl+E)")
        self.edit_button.clicked.connect(self.edit_requested)
        header = QHBoxLayout()
        header.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
        header.addLayout(names, 1)
        header.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)

        self.owed = Tile("Balance owed")
        self.bought = Tile("Lifetime purchases")
        self.credit = Tile("Credit left")
        self.terms = Tile("Terms")
        tiles = QGridLayout()
        tiles.setHorizontalSpacing(8)
        for col, tile in enumerate((self.owed, self.bought, self.credit, self.terms)):
            tiles.addWidget(tile, 0, col)
            tiles.setColumnStretch(col, 1)

        # A text browser, not a label: it wraps to the width it gets and
        # scrolls on its own when a contact has many phones, people or notes.
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setFrameShape(QFrame.Shape.NoFrame)
        self.details.viewport().setAutoFillBackground(False)
        self.details.setAccessibleName("Contact details")
        self.details.anchorClicked.connect(lambda url: self._link(url.toString()))

        # What to offer next (from what other customers bought together); hidden
        # until the offers, fetched after the card, say there is something.
        self.offer = QLabel()
        self.offer.setWordWrap(True)
        self.offer.setTextFormat(Qt.TextFormat.RichText)
        self.offer.setAccessibleName("Offer next")
        self.offer.setProperty("role", "offer")
        self.offer.setContentsMargins(4, 2, 4, 2)
        self.offer.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addLayout(tiles)
        layout.addWidget(self.offer)
        layout.addWidget(self.details, 1)

    def set_card(self, card: ContactCard) -> None:
        """Show ``card``."""
        self.card = card
        size = self.fontMetrics().height() * 3
        self.avatar.setPixmap(
            avatar_pixmap(card.display_name, card.is_company, size, self.devicePixelRatioF())
        )
        self.name_label.setText(card.display_name)
        parts = []
        if card.is_company:
            parts.append("Company")
        elif card.title:
            parts.append(fmt.esc(card.title))
        if card.company_name and card.company_id:
            parts.append(f"<a href='contact:{card.company_id}'>{fmt.esc(card.company_name)}</a>")
        self.subtitle.setText(" · ".join(parts))
        self._money(card)
        self.details.setHtml(details_html(card))

    def set_offers(self, offers: tuple[Offer, ...]) -> None:
        """Show the best product to offer next, with the reason (the figures in the tooltip)."""
        if not offers:
            self.offer.hide()
            self.offer.clear()
            return
        best = offers[0]
        self.offer.setText(
            f"<b>Offer next:</b> {fmt.esc(best.product)} "
            f"<span style='color:gray'>— {fmt.esc(best.reason)}</span>"
        )
        tips = [best.rule.figures()]
        tips += [f"Also worth offering: {o.product} — {o.reason}" for o in offers[1:]]
        self.offer.setToolTip("\n\n".join(tips))
        self.offer.show()

    def _money(self, card: ContactCard) -> None:
        currency = (
            card.terms.currency
            if card.terms
            else (card.balances[0].currency if card.balances else "")
        )
        balance = next((b for b in card.balances if b.currency == currency), None)
        others = [b for b in card.balances if b is not balance]
        tip = "\n".join(f"{b.currency}: owes {fmt.money(b.owed_minor, b.currency)}" for b in others)
        if balance is None:
            self.owed.set("Nothing", tip)
            self.bought.set("None yet", tip)
        else:
            self.owed.set(
                fmt.money(balance.owed_minor, balance.currency), tip, alert=balance.owed_minor > 0
            )
            self.bought.set(fmt.money(balance.purchased_minor, balance.currency), tip)
        terms = card.terms
        if terms is None or terms.credit_limit_minor is None:
            self.credit.set(
                "No limit" if terms else "—", "No credit limit is set." if terms else ""
            )
        else:
            left = terms.credit_left_minor or 0
            self.credit.set(
                fmt.money(left, terms.currency),
                f"Limit {fmt.money(terms.credit_limit_minor, terms.currency)}",
                alert=left < 0,
            )
        if terms is None:
            self.terms.set("—", "No payment terms set.")
        else:
            bits = []
            if terms.payment_terms_days is not None:
                bits.append(f"{terms.payment_terms_days}\u00a0days\u00a0net")
            if terms.discount_bp:
                bits.append(f"{fmt.percent(terms.discount_bp)}\u00a0off")
            if terms.price_list:
                bits.append(terms.price_list)
            via = f"Terms of {terms.holder_name}" if terms.holder_id != card.id else ""
            self.terms.set(" · ".join(bits) or "—", via)

    def _link(self, href: str) -> None:
        kind, _, value = href.partition(":")
        card = self.card
        if kind == "deal" and card:
            deal: DealView | None = next((d for d in card.open_deals if d.id == value), None)
            if deal:
                self.deal_clicked.emit(deal)
        elif kind == "newdeal":
            self.deal_requested.emit()
        elif kind == "contact":
            self.contact_clicked.emit(value)
        elif kind == "mailto":
            QDesktopServices.openUrl(QUrl(href))
