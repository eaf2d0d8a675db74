"""Gateway policy engine: the policy model, the change verifier, invariants and risk rules."""
