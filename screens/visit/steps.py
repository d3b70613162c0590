"""The screen of each step of rooming, by the step's name (``ma_tui.visits.steps``)."""

from __future__ import annotations

from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.visit.complaint import ComplaintScreen
from ma_tui.screens.visit.history import HistoryScreen
from ma_tui.screens.visit.review import ReviewScreen
from ma_tui.screens.visit.screenings import ScreeningsScreen
from ma_tui.screens.visit.visit import VisitScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from ma_tui.visits.steps import Step

STEP_SCREENS: dict[Step, type[VisitScreen]] = {
    "checkin": CheckInScreen,
    "vitals": VitalsScreen,
    "history": HistoryScreen,
    "complaint": ComplaintScreen,
    "screenings": ScreeningsScreen,
    "review": ReviewScreen,
}
