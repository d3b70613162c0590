"""The steps' screens of a visit, built once and kept for the whole session.

``MaTuiApp`` builds them ahead while no key comes (on the sign-in screen, on the
queue), styles them again off screen when CSS came after they were mounted, and
shows each visit in the same screens: a step switch is a fill and a repaint, never
a compose. It also runs Python's full garbage collections itself, between visits.
"""

from __future__ import annotations

import gc
from functools import partial
from time import monotonic
from typing import TYPE_CHECKING

from ma_tui.screens.widgets.keygate import ANSWER_GROUP, KeyGate

if TYPE_CHECKING:  # imported behind the sign-in screen when the app starts (cli)
    from ma_tui.screens.visit.visit import Visit, VisitScreen
    from ma_tui.visits.steps import Step

STEP_VIEW_BUILD_PAUSE = 0.2  # seconds without a key before a step's screen is built ahead
FILL_AHEAD_PAUSE = 0.1  # seconds without a key before the next step is filled ahead
COLLECT_AFTER_VISIT_SECONDS = 0.3  # the queue painted first, then garbage collected
FULL_COLLECTIONS_BY_HAND = 1_000_000_000  # gen-2 threshold: never on its own


class KeptSteps(KeyGate):
    """The app's part that keeps the steps' screens (``MaTuiApp`` is one)."""

    def __init__(self) -> None:
        super().__init__()
        self._step_views: dict[Step, VisitScreen] = {}

    def start_building_steps(self) -> None:
        """At start: build the steps ahead once no key has come for a moment."""
        if self.build_ahead:
            self.set_timer(STEP_VIEW_BUILD_PAUSE, self.build_step_views)

    visit: Visit | None  # the visit being roomed (``MaTuiApp`` sets it)

    def fill_next_step_ahead(self) -> None:
        """A step is on screen: fill the next step with the visit off screen, lay it
        out and draw it, once no key has come for a moment. Going on is then a repaint
        (the step is filled again as it comes, changing only what changed meanwhile)."""
        if self.build_ahead:
            self.set_timer(FILL_AHEAD_PAUSE, self._fill_ahead)

    def _next_view(self) -> VisitScreen | None:
        """The next step's screen, if it is built and fills ahead (a cheap, pure fill)."""
        if not self.is_running or not self.screen_stack:
            return None  # a timer of an app that is closing
        from ma_tui.screens.visit.visit import VisitScreen
        from ma_tui.visits.steps import STEPS

        screen = self.screen
        if not isinstance(screen, VisitScreen) or self.visit is None:
            return None
        index = STEPS.index(screen.STEP) + 1
        view = self._step_views.get(STEPS[index]) if index < len(STEPS) else None
        if view is None or not view.FILLED_AHEAD or not view.is_mounted or view is screen:
            return None
        return view

    def _fill_ahead(self) -> None:
        view = self._next_view()
        if view is None or self.visit is None or view.filled_ahead_with is self.visit:
            return
        if monotonic() - self.typed_at < FILL_AHEAD_PAUSE:
            self.set_timer(FILL_AHEAD_PAUSE, self._fill_ahead)
            return  # typing: the fill would hold the next key up
        view.fill_ahead(self.visit)
        # Once its widgets have taken what the fill changed (their own messages).
        self.set_timer(FILL_AHEAD_PAUSE / 2, partial(self._lay_out_ahead, view))

    def _lay_out_ahead(self, view: VisitScreen) -> None:
        if view is not self._next_view():
            return  # moved on meanwhile: the switch laid it out
        if monotonic() - self.typed_at < FILL_AHEAD_PAUSE:
            self.set_timer(FILL_AHEAD_PAUSE, partial(self._lay_out_ahead, view))
            return
        view.lay_out_off_screen()

    def after_visit(self) -> None:
        """Back on the queue: collect the visit's garbage, and restyle any step that
        CSS read meanwhile (orders, say) made stale."""
        self.set_timer(COLLECT_AFTER_VISIT_SECONDS, self._collect_garbage)
        self.start_building_steps()

    def step_view(self, step: Step) -> VisitScreen:
        """The screen of ``step``: built once, kept for every visit of this session.

        Installed, so Textual keeps it when another screen replaces it; showing it
        again is filling it (``VisitScreen.show_visit``), not composing it anew.
        """
        view = self._step_views.get(step)
        if view is None:
            from ma_tui.screens.visit.steps import STEP_SCREENS

            view = STEP_SCREENS[step]()
            self.install_screen(view, f"step-{step}")
            self._step_views[step] = view
        return view

    def build_step_views(self) -> None:
        """Build the steps' screens ahead, one at a time whenever no key has come for a
        moment (while the MA reads the sign-in screen, on the
        queue), so the first visit opens as fast as the next. Each is mounted off
        screen, holding no patient's data until a visit is shown in it. Once all are
        built, any whose styles are stale (CSS read after it was mounted) is styled
        again, then each is laid out and drawn off screen, also one at a time, so no
        step's first showing restyles, lays out or draws all of it."""
        if not self.is_running:
            return
        from ma_tui.visits.steps import STEPS

        views = [self.step_view(step) for step in STEPS]
        to_mount = [view for view in views if not view.is_running]
        to_restyle = [view for view in views if view.styles_stale]
        mounting = any(view.is_running and not view.is_mounted for view in views)
        to_lay_out = [view for view in views if view.is_mounted and view.laid_out != self.size]
        if not to_mount and not to_restyle and not mounting and not to_lay_out:
            if self.manage_gc and not self._started_up:
                self._started_up = True
                self.call_after_refresh(self._after_start_up)
            return
        if mounting:
            self.set_timer(STEP_VIEW_BUILD_PAUSE / 4, self.build_step_views)
            return
        if monotonic() - self.typed_at < STEP_VIEW_BUILD_PAUSE or self._answer_pending():
            self.set_timer(STEP_VIEW_BUILD_PAUSE / 4, self.build_step_views)
            return  # typing, or a PIN being checked: a build would hold the answer up
        # Every step's CSS first, so each view is styled with all the rules it meets.
        for view in views:
            self._load_screen_css(view)
        if to_mount:
            # Mounting a screen that is not shown has no public call; this is what
            # push_screen does first (a screen mounts once, on its first use): its
            # CSS read, then its widgets mounted and styled.
            self._get_screen(to_mount[0])
        elif to_restyle:
            to_restyle[0].restyle()
        else:
            to_lay_out[0].lay_out_off_screen()
        self.set_timer(STEP_VIEW_BUILD_PAUSE, self.build_step_views)

    def _answer_pending(self) -> bool:
        """A key's answer is being worked out (the PIN's check): the screen it brings
        must not wait for a step's build (100-200 ms the check cannot hide: argon2
        keeps both cores busy)."""
        return any(w.group == ANSWER_GROUP and not w.is_finished for w in self.workers)

    # The command line sets it (a test process, whose apps come and go, leaves it off):
    # the app then runs Python's full garbage collections itself, between visits.
    manage_gc = False
    # Build the steps' screens ahead while no key comes (the MA's app). Most screen
    # tests turn it off: built on first use instead, the path a key during the build
    # takes, and the suite does not build six screens it never opens in each test.
    build_ahead = True
    _started_up = False  # the steps built once and start-up frozen (manage_gc)

    def _after_start_up(self) -> None:
        """Start-up is done: what it built lives as long as the app, so it is frozen
        out of the collector's way; full collections no longer come on their own in
        the middle of a key or a switch (100-250 ms each here), but after each visit."""
        gc.freeze()
        threshold, older, _ = gc.get_threshold()
        gc.set_threshold(threshold, older, FULL_COLLECTIONS_BY_HAND)

    def _collect_garbage(self) -> None:
        """A full collection, with the queue on screen between two patients."""
        if self.manage_gc:
            gc.collect()
