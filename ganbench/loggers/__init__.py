"""Loggers: trials reported, as they train, to the tools researchers watch.

:mod:`.base` (the :class:`~ganbench.loggers.base.Logger` base class and what it is told),
:mod:`.specs` (which loggers a run uses: ``--log``, a suite's ``log``), :mod:`.pictures`
(a sample snapshot as one image), and the built-ins :mod:`.to_tensorboard` and
:mod:`.to_mlflow` (each an optional extra). The trainer calls them through
:mod:`ganbench.training.trackers`.
"""
