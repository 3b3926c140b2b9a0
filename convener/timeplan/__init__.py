"""Time planning: when each meeting happens, in which zone, and smart scheduling for many.

Pure Python, no Django, deterministic: the same SPEC gives the same plan. The rules are in
docs/timeplan.md. Entry points:

* ``plan_document(doc)``: a SPEC document (parsed JSON) in, the plan document out;
* ``read_spec(text)``: a SPEC's JSON text in, a ``PlanSpec`` out, without a dictionary per
  recipient; ``write_plan(plan, out)``: the plan document written as JSON text in pieces;
* ``main(argv)``: the ``convener plan SPEC.json`` command;
* ``plan(PlanSpec) -> Plan``: the typed API; ``parse_spec`` builds a ``PlanSpec`` from JSON;
* ``plan_smart_schedule``: smart scheduling alone, on epoch seconds, for large batches.
"""

from .bounds import start_problem, start_range, wall_problem
from .chain import CHAIN_LINKS, TimezoneSource, choose_zone
from .cli import main
from .delay import Delay, DelayUnit, add_months, apply_delay
from .document import plan_document, plan_to_document
from .fields import Instant, LocalDate, LocalDateTime, parse_when, read_field
from .parse import parse_spec
from .plan import plan, smart_rules
from .reading import read_spec
from .results import Plan, PlannedMeeting, SkipCode, SkippedRecipient
from .smart import SmartRules, plan_smart_schedule
from .spec import Mode, PlanSpec, Recipient, SpecError, Timing, Window
from .writing import write_plan
from .zones import Adjustment, ResolvedTime, load_zone, resolve_local

__all__ = [
    "CHAIN_LINKS",
    "Adjustment",
    "Delay",
    "DelayUnit",
    "Instant",
    "LocalDate",
    "LocalDateTime",
    "Mode",
    "Plan",
    "PlanSpec",
    "PlannedMeeting",
    "Recipient",
    "ResolvedTime",
    "SkipCode",
    "SkippedRecipient",
    "SmartRules",
    "SpecError",
    "TimezoneSource",
    "Timing",
    "Window",
    "add_months",
    "apply_delay",
    "choose_zone",
    "load_zone",
    "main",
    "parse_spec",
    "parse_when",
    "plan",
    "plan_document",
    "plan_smart_schedule",
    "plan_to_document",
    "read_field",
    "read_spec",
    "resolve_local",
    "smart_rules",
    "start_problem",
    "start_range",
    "wall_problem",
    "write_plan",
]
