"""Network-model compliance: the guideline rule set, evaluation, what-if and diagrams."""
