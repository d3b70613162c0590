"""Textual screens and widgets: one file per screen, its .tcss beside it."""
