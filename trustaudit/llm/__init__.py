"""Text-model tasks: answer → decision extraction, clinical vignettes and their demographic slots,
canary records."""
