"""The pure domain core: content model, plans, quiet hours, FAQ matching, triage (no I/O)."""
