"""Textual screens: the three views, client detail, forms and modals. They call services, never SQL."""
