"""K networks of one architecture as one batched program, below both the trainer and the metrics.

Modules: :mod:`.nets` (networks with stacked parameters), :mod:`.adam` (Adam for K
members), :mod:`.draws` (each member's own random stream), :mod:`.losses` (a critic update
of K members, each by its own objective and penalty), :mod:`.critics` (fresh critics that
judge a frozen generator: what the ``divergences`` metric trains). The trainer
(:mod:`ganbench.training`) builds on these; so does that metric, which never imports the
trainer.
"""
