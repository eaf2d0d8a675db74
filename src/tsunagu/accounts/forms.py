from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiScope


class LoginForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=256)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class CodeForm(forms.Form):
    code = forms.CharField(label=_("6-digit code"), max_length=12)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*"}
        )


class RecoveryForm(forms.Form):
    recovery_code = forms.CharField(label=_("Recovery code"), max_length=20)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=60)
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiScope.choices, initial=ApiScope.READ)
    expires_in_days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=365, initial=90
    )
