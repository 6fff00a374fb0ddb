"""Running an audit (the runner) and judging its metrics (the gate: thresholds, checks, exit
codes)."""
