"""trustaudit: audit medical AI models for fairness, privacy leakage, robustness and
accountability."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trustaudit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from .auditors import (
    AccountabilityAuditor,
    Auditor,
    CounterfactualAuditor,
    FairnessAuditor,
    MembershipAuditor,
    PhiScanAuditor,
    PrivacyAuditor,
    registry,
)
from .errors import AdapterError, AuditorError, DataError, SpecError, TrustAuditError
from .report import write_report
from .run.runner import run_audit
from .spec import load_spec
from .spec.models import AuditSpec

__all__ = [
    "AccountabilityAuditor",
    "AdapterError",
    "AuditSpec",
    "Auditor",
    "AuditorError",
    "CounterfactualAuditor",
    "DataError",
    "FairnessAuditor",
    "MembershipAuditor",
    "PhiScanAuditor",
    "PrivacyAuditor",
    "SpecError",
    "TrustAuditError",
    "__version__",
    "load_spec",
    "registry",
    "run_audit",
    "write_report",
]
