"""Offline-first sync: hybrid logical clock, wire protocol, client engine."""
