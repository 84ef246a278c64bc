"""Pure business rules: no Django, no clock. Every check returns French, field-addressed verdicts."""
