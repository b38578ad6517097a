"""Screen pop: a phone number comes in (socket, HTTP or ``tel:``), the caller's
card comes to the front. Unknown numbers offer a new contact; shared numbers
ask which contact is calling."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QObject

from crmdesk.services.app import Crm
from crmdesk.services.views import PopResult
from crmdesk.ui.dialogs.pick import PickContactDialog
from crmdesk.ui.ops import Ops, describe
from crmdesk.ui.pop_endpoint import Reply
from crmdesk.ui.widgets.common import Banner


class PopWindow(Protocol):
    banner: Banner

    def show_contact(self, contact_id: str) -> None: ...
    def bring_to_front(self) -> None: ...
    def new_contact(self, kind: str = "person", phone: str = "") -> Any: ...
    def log_call(self) -> None: ...
    def show_message(self, text: str) -> None: ...


class ScreenPop(QObject):
    """Looks a number up on a worker and shows the result."""

    def __init__(self, crm: Crm, ops: Ops, window: PopWindow) -> None:
        super().__init__()
        self._crm, self._ops, self._window = crm, ops, window
        self.last: PopResult | None = None

    def pop(self, number: str, reply: Reply | None = None) -> None:
        """Find who has ``number`` and bring their card to the front."""
        number = number.strip()
        if not number:
            if reply:
                reply({"found": False, "name": None, "error": "no number"})
            return
        screenpop = self._crm.screenpop

        def failed(exc: BaseException) -> None:
            message = describe(exc)
            self._window.show_message(message)
            if reply:
                reply({"found": False, "name": None, "error": message})

        self._ops.read(lambda: screenpop.pop(number), lambda r: self._found(r, reply), failed)

    def _found(self, result: PopResult, reply: Reply | None) -> None:
        self.last = result
        window = self._window
        window.bring_to_front()
        shown = result.e164 or result.number
        if result.card is not None:
            card = result.card
            shown = next(
                (p.display for p in card.phones if result.e164 and p.e164 == result.e164), shown
            )
            if reply:
                reply({"found": True, "name": card.display_name, "id": card.id})
            window.show_contact(card.id)
            offer = (
                f". Offer next: {result.offers[0].product} — {result.offers[0].reason}."
                if result.offers
                else ""
            )
            window.banner.show_notice(
                f"Call from {shown}: {card.display_name}{offer}",
                [("Log the call", window.log_call)],
                kind="call",
            )
        elif result.candidates:
            names = [c.display_name for c in result.candidates]
            if reply:
                reply({"found": True, "name": None, "candidates": names})
            dialog = PickContactDialog(
                self._ops,
                f"{len(names)} contacts have the number {shown}. Who is calling?",
                result.candidates,
                window,  # type: ignore[arg-type]
            )
            dialog.accepted.connect(lambda: self._picked(dialog))
            dialog.finished.connect(dialog.deleteLater)
            dialog.open()
        else:
            if reply:
                reply({"found": False, "name": None})
            window.banner.show_notice(
                f"Call from {shown}: this number is not in your contacts.",
                [
                    (
                        "New contact with this number…",
                        lambda: window.new_contact("person", result.number),
                    )
                ],
                kind="call",
            )

    def _picked(self, dialog: PickContactDialog) -> None:
        chosen = dialog.chosen()
        if chosen is not None:
            self._window.show_contact(chosen.id)
