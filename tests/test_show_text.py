"""``show_text`` updates a Static only when what it shows changes (each update lays
the screen out again), and never keeps a look that changed only in its style."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from ma_tui.screens.widgets.repaint import show_text


class OneStatic(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("", id="s")


async def test_show_text_updates_only_what_changed() -> None:
    app = OneStatic()
    async with app.run_test():
        static = app.query_one("#s", Static)
        updates: list[object] = []
        update = static.update

        def counted(content: object = "", *, layout: bool = True) -> None:
            updates.append(content)
            update(content, layout=layout)  # type: ignore[arg-type]

        static.update = counted  # type: ignore[method-assign]
        show_text(static, "")
        show_text(static, Text(""))
        assert updates == []  # empty is empty, string or Text
        show_text(static, Text("HIGH", style="red"))
        show_text(static, Text("HIGH", style="red"))
        assert len(updates) == 1
        show_text(static, Text("HIGH", style="bold red"))  # rich's == ignores the style
        assert len(updates) == 2
        show_text(static, "HIGH")
        assert len(updates) == 3
        assert static.content == "HIGH"
