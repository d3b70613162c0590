"""A child's growth chart: the standard's percentile curves and the child's measurements.

Opened from Vitals (F4) with the child, the day and the measurements of every visit
(this one's too), in the clinic's units (lb and in where it uses them); ← → (or
Tab) go through the charts a clinic keeps at this age, Esc goes back to the vitals.
The curves are the WHO's under 2 years and the CDC's from 2, as a US chart
switches; the child's points are drawn over them. Under 24
months F2 enters or corrects the gestational age at birth (``GestationScreen``): a
preterm infant's points move to the corrected age at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from ma_tui.growth import GestationalAge, Indicator
from ma_tui.screens.visit.gestation import GestationScreen
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.vitals.chart_units import in_clinic_units
from ma_tui.vitals.gestation import asks_gestation, born_at_line
from ma_tui.vitals.measurements import ClinicUnits
from ma_tui.vitals.percentiles import Child, Reading, growth_chart

MEDIAN = 50.0


class GrowthChartScreen(Screen[None]):
    CSS = screen_css(__file__, "growth_chart.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Vitals", id="growth.close"),
        Binding("right", "turn(1)", "Next chart", id="growth.next"),
        Binding("left", "turn(-1)", "Previous", id="growth.previous"),
        Binding("f2", "gestation", "Born at", id="growth.gestation"),
        Binding("tab", "turn(1)", "Next chart", show=False, id="growth.next_tab"),
        Binding("shift+tab", "turn(-1)", "Previous", show=False, id="growth.previous_tab"),
    ]

    def __init__(
        self,
        child: Child,
        day: date,
        readings: Sequence[Reading],
        indicators: Sequence[Indicator],
        record_gestation: Callable[[str], GestationalAge] | None = None,
    ) -> None:
        super().__init__()
        self.child = child
        self.day = day
        self.readings = tuple(readings)
        self.indicators = tuple(indicators)
        self.shown = 0
        # Stores a typed gestational age at birth (raises UserError); None: not offered.
        self.record_gestation = record_gestation
        self.units: ClinicUnits | None = None  # the clinic's (lb, in); None: kg and cm

    def compose(self) -> ComposeResult:
        yield Static(id="chart-title", markup=False)
        yield PlotextPlot(id="chart")
        yield Static(id="chart-points", markup=False)
        yield Static(id="chart-born", markup=False)
        yield KeyFooter()

    def in_units(self, units: ClinicUnits) -> GrowthChartScreen:
        """Drawn in the clinic's units (lb, in where it uses them), as the MA types them."""
        self.units = units
        return self

    def on_mount(self) -> None:
        self._draw()

    def _asks_gestation(self) -> bool:
        return self.record_gestation is not None and asks_gestation(self.child.birth_date, self.day)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The gestational age's key only while it changes the child's age: under 24 months."""
        return self._asks_gestation() if action == "gestation" else True

    def action_gestation(self) -> None:
        if self.record_gestation is None or not self._asks_gestation():
            return

        def stored(gestation: GestationalAge | None) -> None:
            if gestation is not None:
                self.child = replace(self.child, gestation=gestation)
                self.notify(f"Gestational age at birth: {gestation}.", markup=False)
                self._draw()

        self.app.push_screen(GestationScreen(self.child.gestation, self.record_gestation), stored)

    def action_turn(self, step: int) -> None:
        self.shown = (self.shown + step) % len(self.indicators)
        self._draw()

    def action_close(self) -> None:
        self.dismiss()

    def _draw(self) -> None:
        chart = growth_chart(self.indicators[self.shown], self.child, self.day, self.readings)
        if self.units is not None:
            chart = in_clinic_units(chart, self.units)
        position = f"{self.shown + 1}/{len(self.indicators)}"
        self.query_one("#chart-title", Static).update(f"{chart.title}  ({position})")
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        for curve in chart.curves:
            xs = [x for x, _ in curve.points]
            ys = [y for _, y in curve.points]
            color = "green" if curve.percentile == MEDIAN else "gray"
            plt.plot(xs, ys, color=color, marker="braille")
        right = {
            c.percentile: c.points[-1] for c in chart.curves if c.points
        }  # one label per percentile, at the curve's end
        for percentile, (x, y) in right.items():
            plt.text(f"{percentile:g}", x, y, color="gray")
        if chart.points:
            plt.scatter(
                [x for x, _ in chart.points],
                [y for _, y in chart.points],
                color="red+",
                marker="●",
            )
            plt.plot([x for x, _ in chart.points], [y for _, y in chart.points], color="red+")
        plt.xlabel(chart.x_label)
        plt.ylabel(chart.unit)
        plot.refresh()
        shown = ", ".join(f"{y:.1f}" for _, y in chart.points) if chart.points else "none yet"
        self.query_one("#chart-points", Static).update(
            f"● this child ({chart.unit}): {shown}   curves: percentiles, 50th in green"
        )
        born = self.query_one("#chart-born", Static)
        born.display = self._asks_gestation()
        born.update(born_at_line(self.child.gestation))
