"""Guided self-help before a case (F-16): troubleshooting guides per model and problem, written and published
in versions by supervisors (F-42), and the customers' runs through them with their outcomes (deflection)."""
