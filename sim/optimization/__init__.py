"""Lever optimisation: which mix of an experiment's levers best meets the objectives, robustly.

objectives (what to maximise or minimise, and how replications and scenarios combine) and
levers (the instruments and their ranges, as optuna suggests them) -> problem (what one study
searches, its settings and digest) -> evaluate (a generation's candidates as runs with common
seeds, and their scores) -> study (optuna's NSGA-II asked and told over our backends; resume)
-> front and outputs (trials.csv, pareto.csv, the chart and report.html, after every
generation), in an optimisation folder (folder: its files, settings check and lock).
"""
