"""ma-tui in a browser: ``ma-tui serve`` (textual-serve) and the page it serves."""
