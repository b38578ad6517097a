"""The Reports window: any report of services/reports drawn as chart, findings and
tables, saved as CSV or PDF. ``menu`` is all the main window imports; the window
(and Qt Charts) load the first time it opens."""
