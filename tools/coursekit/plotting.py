"""Matplotlib and noggin set up for wherever a lesson runs.

In JupyterLab and Notebook 7 with ipympl installed, figures are live widgets and noggin's
training curves update as the model trains. Without ipympl, and whenever a lesson is run
headless by ``handout build`` (which sets ``HANDOUT_HEADLESS=1``), figures are still images.
"""

from __future__ import annotations

import importlib.util
import os
import warnings

import matplotlib

HEADLESS_VARIABLE = "HANDOUT_HEADLESS"


def setup_plots() -> str:
    """Choose the notebook's matplotlib backend; return ``"widget"`` or ``"inline"``.

    Outside IPython this does nothing and returns the current backend's name.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return matplotlib.get_backend()
    shell = get_ipython()
    if shell is None:
        return matplotlib.get_backend()
    live = os.environ.get(HEADLESS_VARIABLE) != "1" and importlib.util.find_spec("ipympl")
    backend = "widget" if live else "inline"
    shell.run_line_magic("matplotlib", backend)
    return backend


def is_live() -> bool:
    """Whether figures are live widgets (ipympl) or matplotlib's own notebook backend."""
    backend = matplotlib.get_backend().lower()
    return "ipympl" in backend or "nbagg" in backend or backend in ("widget", "notebook")


def create_plot(metrics, **kwargs):
    """noggin's ``create_plot``, live under ipympl too, and quiet where it cannot be live.

    Parameters
    ----------
    metrics : list of str
        The metrics to plot, as noggin takes them.
    **kwargs
        Passed on to :func:`noggin.create_plot`.

    Returns
    -------
    plotter : noggin.LivePlot
    fig : matplotlib.figure.Figure
    ax : numpy.ndarray of matplotlib.axes.Axes

    Notes
    -----
    noggin 0.10 turns live plotting on only for a backend whose name contains "nbAgg",
    which neither ipympl ("module://ipympl.backend_nbagg") nor matplotlib 3.11's notebook
    backend has; so it is turned on here by hand. This can go when noggin recognises them.
    With still images, the figure is closed at once so that an empty plot is not shown;
    display ``fig`` after training to see the curves.
    """
    import matplotlib.pyplot as plt
    from noggin import create_plot as noggin_create_plot

    live = is_live()
    kwargs.setdefault("max_fraction_spent_plotting", 0.05 if live else 0.0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Live plotting is not supported")
        plotter, fig, ax = noggin_create_plot(metrics, **kwargs)
    if live:
        plotter._liveplot = True
    else:
        plt.close(fig)
    return plotter, fig, ax
