"""The desktop GUI (PySide6). The only package allowed to import Qt.

Entry point: :func:`crmdesk.ui.main.run`. Screens call services through
:mod:`crmdesk.ui.ops`, never a database session.
"""
