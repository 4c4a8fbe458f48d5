"""Tables, plots and statistics from a results directory.

:mod:`.commands` (the ``report`` and ``compare`` commands) and :mod:`.content` (what a report
says, section by section) use the modules beside them: :mod:`.columns` (which figures, in
which table, meaning what), :mod:`.metric_tables`, :mod:`.critic_updates` (the
compute-matched table), :mod:`.throughput` (throughput like with like), :mod:`.context`
(configuration, environment, which trials are read), :mod:`.sections` (report sections that
metrics bring), :mod:`.compare`, :mod:`.console` (the table printed after a run) and
:mod:`.fmt` (numbers as text); and three rooms: ``statistics/`` (intervals and the best-set
rule, rank tests, two-sample tests), ``figures/`` (which figures, their style, the plots,
drawing them in parallel) and ``rendering/`` (the format-neutral document, Markdown, HTML,
LaTeX, exported data).
"""
