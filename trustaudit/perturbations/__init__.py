"""Perturbations for the robustness auditor (tabular now; clinical text perturbations come next)."""

from .tabular import DEFAULT_LEVELS, TABULAR

__all__ = ["DEFAULT_LEVELS", "TABULAR"]
