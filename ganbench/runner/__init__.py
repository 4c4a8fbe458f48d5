"""Running a suite: what :func:`ganbench.run` (and so ``ganbench run``) does.

:mod:`.options` (how trials train, checked), :mod:`.trainer` (a list of trials through an
executor), :mod:`.search` (a ``[search]``'s two phases), :mod:`.suite` (a whole suite, then
its summary), :mod:`.progress` (what a run tells as it goes), :mod:`.result` (what it
returns), :mod:`.sizing` (jobs and metric threads).
"""
