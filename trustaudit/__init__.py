"""trustaudit: audit medical AI models for fairness, privacy leakage, robustness and accountability."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trustaudit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from .auditors import (AccountabilityAuditor, Auditor, CounterfactualAuditor, FairnessAuditor,  # noqa: E402
                       MembershipAuditor, PhiScanAuditor, PrivacyAuditor, registry)
from .errors import AdapterError, AuditorError, DataError, SpecError, TrustAuditError  # noqa: E402
from .report import write_report  # noqa: E402
from .runner import run_audit  # noqa: E402
from .spec import AuditSpec, load_spec  # noqa: E402

__all__ = ["AccountabilityAuditor", "AdapterError", "AuditSpec", "Auditor", "AuditorError", "CounterfactualAuditor",
           "DataError", "FairnessAuditor", "MembershipAuditor", "PhiScanAuditor", "PrivacyAuditor", "SpecError",
           "TrustAuditError", "load_spec", "registry", "run_audit", "write_report", "__version__"]
