"""Textual widgets: the virtual row list, the header, and how values are displayed."""
