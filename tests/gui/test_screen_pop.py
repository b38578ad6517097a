"""Screen pop into a running window: local socket, HTTP endpoint, ``run()`` handover."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

from PySide6.QtCore import Qt

from crmdesk import instance
from crmdesk.services.inputs import ContactPatch, PhoneInput
from crmdesk.ui.dialogs.contact import ContactDialog
from crmdesk.ui.dialogs.pick import PickContactDialog
from crmdesk.ui.single_instance import InstanceServer


def _person(crm, first: str, last: str, phone: str) -> str:  # type: ignore[no-untyped-def]
    return crm.contacts.create(
        "person",
        ContactPatch(first_name=first, last_name=last, phones=[PhoneInput(phone, "mobile")]),
    )


def _in_thread(fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` on a plain Python thread (as the CLI would, from another process)."""
    result: dict[str, object] = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", fn()))
    thread.start()
    return thread, result


def test_pop_through_the_local_socket_brings_the_card_up(qtbot, window, crm) -> None:  # type: ignore[no-untyped-def]
    contact_id = _person(crm, "Liisa", "Korhonen", "040 765 4321")
    server = InstanceServer()
    assert server.listen()
    assert instance.socket_path().exists(), "the CLI finds the socket where it expects it"
    server.message_received.connect(window.handle_message)
    try:
        thread, result = _in_thread(
            lambda: instance.send_to_running({"cmd": "pop", "number": "+358 40 765 4321"})
        )
        qtbot.waitUntil(lambda: not thread.is_alive())
        assert result["value"] is True, "the window answered ok"
        qtbot.waitUntil(
            lambda: window.activity.card is not None and window.activity.card.id == contact_id
        )
        assert window.activity.card_view.name_label.text() == "Liisa Korhonen"
        assert window.banner.isVisible()
        assert "Liisa Korhonen" in window.banner.message.text()
    finally:
        server.close()
    assert not instance.socket_path().exists()


def test_malformed_socket_message_is_refused(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    import socket

    server = InstanceServer()
    assert server.listen()
    try:

        def send() -> bytes:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(2)
                sock.connect(str(instance.socket_path()))
                sock.sendall(b"not json\n")
                return sock.recv(64)

        thread, result = _in_thread(send)
        qtbot.waitUntil(lambda: not thread.is_alive())
        assert result["value"] == b"error\n"
    finally:
        server.close()


def test_unknown_number_offers_a_prefilled_new_contact(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.pop("tel:+358501112233")
    qtbot.waitUntil(lambda: window.banner.isVisible())
    assert "not in your contacts" in window.banner.message.text()
    buttons = [
        b for b in window.banner.findChildren(type(window.contacts.new_button)) if b.isVisible()
    ]
    offer = next(b for b in buttons if b.text().startswith("New contact"))
    qtbot.mouseClick(offer, Qt.MouseButton.LeftButton)
    dialog = next(d for d in window.findChildren(ContactDialog) if d.isVisible())
    assert dialog.phones.rows[0].number.text() == "+358501112233"
    dialog.reject()


def test_shared_number_asks_who_is_calling(qtbot, window, crm) -> None:  # type: ignore[no-untyped-def]
    _person(crm, "Anna", "Lahti", "09 123 4567")
    second = _person(crm, "Pekka", "Lahti", "09 123 4567")
    window.pop("+35891234567")
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(PickContactDialog)))
    dialog = next(d for d in window.findChildren(PickContactDialog) if d.isVisible())
    assert dialog.model.rowCount() == 2
    dialog.view.setCurrentIndex(dialog.model.index(1, 0))
    dialog.accept()
    qtbot.waitUntil(lambda: window.activity.card is not None and window.activity.card.id == second)


def test_http_endpoint_answers_and_pops(qtbot, window, crm) -> None:  # type: ignore[no-untyped-def]
    _person(crm, "Ville", "Nieminen", "044 222 3333")
    assert window.pop_endpoint.start(0)
    port = window.pop_endpoint.port

    def get(path: str) -> tuple[int, dict[str, object]]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    thread, result = _in_thread(lambda: get("/pop?number=%2B358442223333"))
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=10_000)
    assert result["value"] == (
        200,
        {"found": True, "name": "Ville Nieminen", "id": window.activity.contact_id},
    )
    qtbot.waitUntil(lambda: window.activity.card is not None)
    assert window.activity.card.display_name == "Ville Nieminen"

    for path, status in (("/pop?number=0401000000", 200), ("/pop", 400), ("/other", 404)):
        thread, result = _in_thread(lambda p=path: get(p))
        qtbot.waitUntil(lambda t=thread: not t.is_alive(), timeout=10_000)
        assert result["value"][0] == status
    window.pop_endpoint.stop()


def test_second_launch_hands_over_and_returns(qtbot, window, crm) -> None:  # type: ignore[no-untyped-def]
    from crmdesk.ui.main import run

    contact_id = _person(crm, "Sari", "Mäkinen", "050 999 8877")
    server = InstanceServer()
    assert server.listen()
    server.message_received.connect(window.handle_message)
    try:
        thread, result = _in_thread(lambda: run(None, pop_number="0509998877"))
        qtbot.waitUntil(lambda: not thread.is_alive())
        assert result["value"] == 0
        qtbot.waitUntil(
            lambda: window.activity.card is not None and window.activity.card.id == contact_id
        )
    finally:
        server.close()


def test_http_requests_are_parsed_strictly() -> None:
    from crmdesk.ui.pop_endpoint import PopEndpoint

    def parse(raw: str) -> tuple[int, object]:
        status, _body, number = PopEndpoint._parse(raw.encode())
        return status, number

    ok = "GET /pop?number=%2B35840123 HTTP/1.1\r\nHost: 127.0.0.1:47611\r\n\r\n"
    assert parse(ok) == (200, "+35840123")
    assert parse(ok.replace("127.0.0.1:47611", "localhost"))[0] == 200
    assert parse(ok.replace("127.0.0.1:47611", "[::1]:47611"))[0] == 200
    assert parse(ok.replace("127.0.0.1", "attacker.example"))[0] == 403, "DNS rebinding"
    assert parse(ok.replace("GET", "POST"))[0] == 405
    assert parse("garbage\r\n\r\n")[0] == 400
