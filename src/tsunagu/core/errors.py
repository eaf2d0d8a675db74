"""Domain errors: every refusal has a stable code and a translatable message.

Services and selectors raise these; the API maps them to ``{code, message, details}`` and the
pages show ``message`` in the user's language.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message: str | Promise = _("The request could not be processed.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        self.details = details or {}
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Missing, or belongs to another municipality: the two must look the same."""

    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    default_message = _("Some values are not valid.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("The data was changed by someone else. Reload and try again.")
