"""crmdesk: an offline-first desktop CRM with an encrypted local database."""

__version__ = "0.1.0"
