"""Shared digital experts: pool, requests, matching, visits, know-how, cost sharing, DX leaders."""
