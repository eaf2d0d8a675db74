"""Tsunagu: the shared DX platform of Tokyo and its 62 municipalities."""
