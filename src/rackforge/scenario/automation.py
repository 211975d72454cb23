"""The automation switch: one rule for what "today" and "automated" mean, read by every engine.

``automated`` is the scenario as written: ``automation.touch_time_reduction`` removes that share
of the hours of resources of each kind (the planner's hours per good unit, the risk network's
loads, the twin's sampled hours) and ``automation.inspection_detect_rate`` is the share of
defects inspection catches. ``today`` is the same scenario without the levers: no touch time
removed, and today's detect rate (``automation.inspection_detect_rate_today``; where it is not
stated, the automated rate, so that the comparison changes the touch time and nothing else).
Every command takes ``--automation off|on|compare``; the default is ``on`` everywhere.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model needs pandas; the command line reads these enums at start-up
    from rackforge.scenario.model import Automation, Scenario


class Levers(StrEnum):
    """The automation levers of ``scenario.config.automation``: ``OFF`` = today."""

    OFF = "off"
    ON = "on"


class AutomationChoice(StrEnum):
    """``--automation``: today, automated (the default) or both side by side."""

    OFF = "off"
    ON = "on"
    COMPARE = "compare"

    @property
    def levers(self) -> tuple[Levers, ...]:
        """The lever settings to run, the one answered first last (``compare``: today, then
        automated)."""
        if self is AutomationChoice.COMPARE:
            return (Levers.OFF, Levers.ON)
        return (Levers(self.value),)


DEFAULT_AUTOMATION = AutomationChoice.ON


def levers_applied(automation: Automation, levers: Levers) -> Automation:
    """The levers in force: as written (``ON``), or today's (``OFF``, module docstring)."""
    if levers is Levers.ON:
        return automation
    today = automation.inspection_detect_rate_today
    return replace(
        automation,
        touch_time_reduction={},
        inspection_detect_rate=automation.inspection_detect_rate if today is None else today,
    )


def with_levers(scenario: Scenario, levers: Levers) -> Scenario:
    """The scenario with the levers in force written into its automation (``ON``: itself)."""
    if levers is Levers.ON:
        return scenario
    automation = levers_applied(scenario.config.automation, levers)
    return replace(scenario, config=replace(scenario.config, automation=automation))
