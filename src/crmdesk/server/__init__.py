"""The sync server: an ASGI app over its own database (SQLite or PostgreSQL).

It speaks the wire protocol of :mod:`crmdesk.sync.protocol`, keeps per field
the winning value and the full history of accepted changes, and enforces the
users' roles. It never touches a desktop's SQLCipher file.
"""
