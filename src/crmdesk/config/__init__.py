"""Where crmdesk keeps its files, and the user's settings."""
