"""Readers and writers of CSV, vCard and iCalendar: streaming and pure.

Records in, records out: this package knows the domain (names, phones,
money) but never the store. Services feed it rows and take its records.
"""
