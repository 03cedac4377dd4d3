"""The model: numpy state, Mesa agents and model, mechanisms, metrics and records.

Importing a part (e.g. `sim.model.metrics`) does not load Mesa; `sim.model.model` does.
"""
