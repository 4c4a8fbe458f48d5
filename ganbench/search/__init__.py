"""Fair tuning: a hyperparameter search per objective, with the same budget for every one.

A suite's ``[search]`` table (:mod:`.space`) names a space over hyperparameters and objective
options, a method (seeded random, Sobol, grid or, with the ``optuna`` extra, TPE), a budget of
configurations per objective (configuration 0 is always the objective's own defaults), a
selection rule and the search seeds. ``ganbench run`` then trains in two phases
(:mod:`.phases`): every configuration on the search seeds, then each objective's selected
configuration (and its defaults) on the report seeds. The selection and its candidates are
recorded in the results directory's ``search.json`` (:mod:`.record`).
"""
