"""Hash chain over audit entries."""

from .chain import GENESIS_HASH, ChainFault, ChainRecord, ChainReport, digest, verify

__all__ = ["GENESIS_HASH", "ChainFault", "ChainRecord", "ChainReport", "digest", "verify"]
