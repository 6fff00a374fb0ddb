"""PHI recognition mapped to the HIPAA Safe Harbor identifiers, and masking. A lower layer:
adapters, the ledger and auditors may use it."""
