"""Auditors measure; the registry names them in specs. Importing this package registers them all."""

from .accountability import AccountabilityAuditor
from .base import AuditContext, Auditor, AuditorRegistry, registry
from .canary import CanaryAuditor
from .counterfactual import CounterfactualAuditor
from .fairness import FairnessAuditor
from .membership import MembershipAuditor
from .phi_scan import PhiScanAuditor
from .privacy import PrivacyAuditor
from .robustness import RobustnessAuditor
from .text_robustness import TextRobustnessAuditor

__all__ = [
    "AccountabilityAuditor",
    "AuditContext",
    "Auditor",
    "AuditorRegistry",
    "CanaryAuditor",
    "CounterfactualAuditor",
    "FairnessAuditor",
    "MembershipAuditor",
    "PhiScanAuditor",
    "PrivacyAuditor",
    "RobustnessAuditor",
    "TextRobustnessAuditor",
    "registry",
]
