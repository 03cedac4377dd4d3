"""Calibration: fit a scenario's parameters to observed facts with ABC-SMC (pyabc).

targets (what is observed, a statistic of a run each) and spec (what to fit, the priors and
the budget) -> simulate (a candidate's runs and its distance to the targets) -> sampler
(pyabc's particles drawn on our backends, seeded) -> smc (pyabc's ABC-SMC, its history in the
output folder) -> posterior (tables, the calibrated scenario, plots and the report section).
"""
