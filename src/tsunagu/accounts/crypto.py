"""Encryption at rest for second-factor secrets (TOTP seeds)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    key = hashlib.sha256(f"tsunagu.totp:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(plaintext: str) -> bytes:
    return _fernet().encrypt(plaintext.encode())


def unseal(token: bytes) -> str:
    return _fernet().decrypt(bytes(token)).decode()
