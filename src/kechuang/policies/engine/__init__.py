"""Pure rule engines of the policies app (no Django import): policy conditions and award formulas, competition
scoring and advancement, event and task figures. The Django side loads data into these and persists results."""
from .conditions import (
           OPS,
           TYPE_OPS,
           Condition,
           ConditionResult,
           check,
           parse_conditions,
)
from .errors import Collector, DefinitionError
from .facts import FACT_LIST, FACTS, QUALIFICATION_KINDS, compute_facts
from .formulas import KINDS, MODES, AwardResult, Formula, compute, parse_formula
from .policy import Evaluation, PolicyDefinition, evaluate, parse_definition

__all__ = [
           "FACTS",
           "FACT_LIST",
           "KINDS",
           "MODES",
           "OPS",
           "QUALIFICATION_KINDS",
           "TYPE_OPS",
           "AwardResult",
           "Collector",
           "Condition",
           "ConditionResult",
           "DefinitionError",
           "Evaluation",
           "Formula",
           "PolicyDefinition",
           "check",
           "compute",
           "compute_facts",
           "evaluate",
           "parse_conditions",
           "parse_definition",
           "parse_formula",
]
