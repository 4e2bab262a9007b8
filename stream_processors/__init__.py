"""Stream processors: offers and stream events in, alerts out.

Rules, grouping, corroboration and escalation are plain code
(``Processor``, ``StreamStage``, ``SellerStage``); ``faust_app`` runs the same
code as Faust agents over Kafka tables.
"""
from stream_processors.engine import SellerStage, StreamStage
from stream_processors.escalation import EscalationPolicy
from stream_processors.processor import Processor
from stream_processors.reference_costs import ReferenceCost, ReferenceCosts, load_reference_costs
from stream_processors.rules import BelowReferenceCost, CrossBorderMinPrice, Finding, Rule, RuleContext, build_rules
from stream_processors.validation import BadRecord

__all__ = [
    "Processor",
    "StreamStage",
    "SellerStage",
    "EscalationPolicy",
    "Rule",
    "RuleContext",
    "Finding",
    "BelowReferenceCost",
    "CrossBorderMinPrice",
    "build_rules",
    "ReferenceCost",
    "ReferenceCosts",
    "load_reference_costs",
    "BadRecord",
]
