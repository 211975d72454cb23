"""rackforge: plan and simulate the manufacture of AI data-centre racks across plants."""

from rackforge.scenario import (
    Problem,
    Scenario,
    ScenarioConfig,
    ScenarioError,
    bundled_names,
    load_scenario,
    save_scenario,
    save_workbook,
    scenario_from_tables,
)

__version__ = "0.1.0"

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioConfig",
    "ScenarioError",
    "__version__",
    "bundled_names",
    "load_scenario",
    "save_scenario",
    "save_workbook",
    "scenario_from_tables",
]
