"""An autouse fixture for the conftests of tests that build widgets: a test fails when a top-level window
it opened is still shown once its fixtures have closed theirs (a leaked window keeps timers and threads
going into the next test)."""

from __future__ import annotations

import pytest


def shown_windows(app) -> dict[int, object]:
    """The top-level widgets shown now, by the address of their Qt object."""
    from shiboken6 import getCppPointer

    return {getCppPointer(w)[0]: w for w in app.topLevelWidgets() if w.isVisible()}


def close_left_behind(app, before: dict[int, object]) -> list[str]:
    """Closes the windows shown now that were not shown ``before``; what they were, for the failure."""
    left = [w for key, w in shown_windows(app).items() if key not in before]
    for widget in left:
        widget.close()  # the next test starts clean whatever this one did
    return [f"{type(w).__name__} {w.windowTitle()!r}" for w in left]


@pytest.fixture(autouse=True)
def no_window_left_behind(request):
    """Set up before (so torn down after) qtbot and the window fixtures; tests without Qt are left alone."""
    if "qapp" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("qapp")
    before = shown_windows(app)
    yield
    left = close_left_behind(app, before)
    if left:
        pytest.fail(f"the test left {len(left)} window(s) shown: {', '.join(left)}")
