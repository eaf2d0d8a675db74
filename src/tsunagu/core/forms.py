from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OrganizationProfileForm(forms.Form):
    description = forms.CharField(
        label=_("Introduction"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    contact_department = forms.CharField(
        label=_("Contact department"), required=False, max_length=120
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.RegexField(
        label=_("Contact phone"),
        regex=r"^[0-9+() -]*$",
        required=False,
        max_length=32,
        error_messages={"invalid": _("Use digits and hyphens only.")},
    )
    cio_name = forms.CharField(label=_("CIO name"), required=False, max_length=80)
    cio_title = forms.CharField(label=_("CIO title"), required=False, max_length=120)
    version = forms.IntegerField(widget=forms.HiddenInput)
