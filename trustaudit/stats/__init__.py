"""Closed-form intervals, the gate modes' tests and power: the statistics a verdict rests on."""
