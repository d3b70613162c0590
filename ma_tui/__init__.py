"""ma-tui: rooming patients from the terminal."""

__version__ = "0.1.0"
