"""Auditors measure; the registry names them in specs. Importing this package registers them all."""

from .base import AuditContext, Auditor, AuditorRegistry, registry
from .fairness import FairnessAuditor

__all__ = ["AuditContext", "Auditor", "AuditorRegistry", "FairnessAuditor", "registry"]
