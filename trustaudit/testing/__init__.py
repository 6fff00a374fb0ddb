"""Test kits for trustaudit and for users' own auditors: the auditor contract checks
(``check_auditor``) and a fault-injecting loopback LLM server."""

from .contract import CHECKS, Subject, Trial, auditor_checks, check_auditor
from .loopback import LoopbackLLM

__all__ = ["CHECKS", "LoopbackLLM", "Subject", "Trial", "auditor_checks", "check_auditor"]
