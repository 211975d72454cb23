"""rackforge: plan and simulate the manufacture of AI data-centre racks across plants."""

from typing import TYPE_CHECKING

from rackforge._lazy import lazy_exports

if TYPE_CHECKING:
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

__getattr__, __dir__ = lazy_exports(__name__)

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
