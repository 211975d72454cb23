"""The scenario data model: schema, loading, validation and saving."""

from typing import TYPE_CHECKING

from rackforge._lazy import lazy_exports

if TYPE_CHECKING:
    from rackforge.scenario.config import dump_config, parse_config
    from rackforge.scenario.errors import Problem, ScenarioError
    from rackforge.scenario.io import (
        DEFAULT_SCENARIO,
        bundled_names,
        bundled_path,
        load_scenario,
        resolve,
        save_scenario,
        save_workbook,
    )
    from rackforge.scenario.model import (
        Automation,
        Scenario,
        ScenarioConfig,
        SolverConfig,
        iso_week_label,
        parse_iso_week,
    )
    from rackforge.scenario.schema import (
        SCHEMAS,
        Column,
        ColumnType,
        ItemKind,
        ReceiptSource,
        ResourceKind,
        SiteKind,
        TableSchema,
    )
    from rackforge.scenario.validate import scenario_from_tables

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "DEFAULT_SCENARIO",
    "SCHEMAS",
    "Automation",
    "Column",
    "ColumnType",
    "ItemKind",
    "Problem",
    "ReceiptSource",
    "ResourceKind",
    "Scenario",
    "ScenarioConfig",
    "ScenarioError",
    "SiteKind",
    "SolverConfig",
    "TableSchema",
    "bundled_names",
    "bundled_path",
    "dump_config",
    "iso_week_label",
    "load_scenario",
    "parse_config",
    "parse_iso_week",
    "resolve",
    "save_scenario",
    "save_workbook",
    "scenario_from_tables",
]
