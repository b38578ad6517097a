"""The three panes of the main window: contacts, activity, follow-ups."""
