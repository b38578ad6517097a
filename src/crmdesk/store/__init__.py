"""Encrypted storage: SQLAlchemy models on SQLCipher, migrations, full-text index."""
