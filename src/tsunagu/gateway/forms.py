"""The change-request form: one Django form whose fields follow the request kind.

The form only parses what was typed; the rules (what is a valid host, which ports, what the
verifier says) live in :mod:`.adapters` and :mod:`.services`, whose per-field errors are shown
next to the fields here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ChangeKind

KIND_FIELDS: dict[str, tuple[str, ...]] = {
    ChangeKind.ALLOW_DOMAIN: (
        "hosts",
        "service",
        "upload_capable",
        "expires_on",
        "share_to_catalog",
    ),
    ChangeKind.TLS_EXEMPTION: ("hosts", "service", "expires_on"),
    ChangeKind.FIREWALL_OUTBOUND: (
        "source_zone",
        "destinations",
        "protocol",
        "ports",
        "service",
        "expires_on",
        "share_to_catalog",
    ),
    ChangeKind.TEMPORARY_RULE: (
        "source_zone",
        "destinations",
        "protocol",
        "ports",
        "service",
        "expires_on",
    ),
    ChangeKind.INBOUND_PUBLICATION: ("server", "protocol", "ports", "waf", "service", "expires_on"),
    ChangeKind.MAIL_RELAY: (
        "sending_domains",
        "relay_hosts",
        "attachment_policy",
        "max_message_mb",
    ),
    ChangeKind.RULE_REMOVAL: ("rule_uids",),
    ChangeKind.CATALOG_ADOPTION: ("catalog", "source_zone"),
}
"""Which request fields each kind asks for (names as :func:`adapters.change_from_form` reads)."""

CHECKBOXES = ("upload_capable", "waf", "share_to_catalog")

KIND_HELP: dict[str, Any] = {
    ChangeKind.ALLOW_DOMAIN: _(
        "Let your internet segment reach a web service through the proxy. Name exact hosts "
        "(meet.example.jp) or one registrable domain's subdomains (*.example.jp)."
    ),
    ChangeKind.TLS_EXEMPTION: _(
        "Stop the proxy from inspecting TLS for hosts that break under inspection (pinned "
        "certificates, client certificates)."
    ),
    ChangeKind.FIREWALL_OUTBOUND: _(
        "Open a non-web port from one of your zones, e.g. UDP for a web-meeting service."
    ),
    ChangeKind.TEMPORARY_RULE: _("An outbound opening that ends by itself on the end date."),
    ChangeKind.INBOUND_PUBLICATION: _(
        "Publish a server of your DMZ to the internet (through the reverse proxy / WAF)."
    ),
    ChangeKind.MAIL_RELAY: _("Change your sending domains, relay hosts or attachment handling."),
    ChangeKind.RULE_REMOVAL: _("Remove rules or allow-list entries you no longer need."),
    ChangeKind.CATALOG_ADOPTION: _("Adopt a service that another body has already had vetted."),
}


def _text(
    label: Any, *, help_text: Any = "", rows: int | None = None, max_length: int = 20000
) -> forms.CharField:
    widget: forms.Widget = (
        forms.Textarea(attrs={"rows": rows, "spellcheck": "false", "autocapitalize": "off"})
        if rows
        else forms.TextInput(attrs={"autocomplete": "off"})
    )
    return forms.CharField(
        label=label, help_text=help_text, required=False, max_length=max_length, widget=widget
    )


class ChangeRequestForm(forms.Form):
    """Everything a request may carry; :meth:`for_kind` keeps only the kind's fields."""

    organization = forms.ChoiceField(label=_("For"), required=False)
    kind = forms.ChoiceField(label=_("Request type"), choices=ChangeKind.choices)
    title = forms.CharField(
        label=_("Subject of the request"),
        max_length=200,
        help_text=_("A short name that colleagues and reviewers will recognise."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    justification = forms.CharField(
        label=_("Why is this needed?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    hosts = _text(
        _("Host names"),
        help_text=_("One per line: meet.example.jp, or *.example.jp for its subdomains."),
        rows=4,
    )
    service = _text(_("Service name"), help_text=_("e.g. Zoom, kintone"), max_length=120)
    upload_capable = forms.BooleanField(
        label=_("Staff can upload files to this service"), required=False
    )
    source_zone = forms.ChoiceField(label=_("From zone"), required=False)
    destinations = _text(
        _("Destinations"),
        help_text=_(
            "One per line: an IPv4 address, a CIDR prefix (203.0.113.0/24) or a host name."
        ),
        rows=3,
    )
    server = _text(
        _("Server to publish"),
        help_text=_("The DMZ address of the server, e.g. 10.27.192.10."),
        rows=2,
    )
    protocol = forms.ChoiceField(
        label=_("Protocol"),
        required=False,
        choices=[("tcp", "TCP"), ("udp", "UDP"), ("icmp", "ICMP")],
    )
    ports = _text(_("Ports"), help_text=_("e.g. 443, 8801-8810"), max_length=500)
    waf = forms.BooleanField(
        label=_("Put the web application firewall (WAF) in front"), required=False
    )
    sending_domains = _text(
        _("Sending domains"), help_text=_("One per line, e.g. city.example.lg.jp"), rows=3
    )
    relay_hosts = _text(_("Relay hosts"), help_text=_("One per line: host or host:port"), rows=2)
    attachment_policy = forms.ChoiceField(
        label=_("Attachments from the internet"),
        required=False,
        choices=[
            ("sanitise", _("Sanitise (remove active content)")),
            ("image", _("Convert to images")),
            ("strip", _("Remove")),
            ("allow", _("Pass unchanged")),
        ],
    )
    max_message_mb = forms.CharField(
        label=_("Largest message (MB)"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    rule_uids = _text(
        _("Rules to remove"), help_text=_("One rule or entry identifier per line."), rows=4
    )
    catalog = forms.ChoiceField(label=_("Catalog service"), required=False)
    expires_on = forms.CharField(
        label=_("End date"),
        required=False,
        max_length=10,
        help_text=_("Optional, YYYY-MM-DD. The rule is removed automatically afterwards."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    share_to_catalog = forms.BooleanField(
        label=_("Offer this service to the other bodies in the catalog once applied"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        zones: list[str],
        catalog_choices: list[tuple[str, str]],
        organization_choices: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        keep = {"kind", "title", "justification", *KIND_FIELDS.get(kind, ())}
        if organization_choices:
            keep.add("organization")
            self._set_choices("organization", organization_choices)
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.fields["kind"].widget = forms.HiddenInput()
        if "source_zone" in self.fields:
            self._set_choices("source_zone", [(z, z) for z in zones])
        if "catalog" in self.fields:
            self._set_choices("catalog", [("", "—"), *catalog_choices])
        if kind == ChangeKind.TEMPORARY_RULE and "expires_on" in self.fields:
            self.fields["expires_on"].help_text = _("Required, YYYY-MM-DD.")

    def _set_choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def request_fields(self) -> list[str]:
        return [
            n for n in self.fields if n not in ("organization", "kind", "title", "justification")
        ]

    def typed(self) -> dict[str, Any]:
        """What was typed, raw, in the services' request-field shape (checkboxes as booleans)."""
        data: dict[str, Any] = {}
        for name in self.request_fields():
            if name in CHECKBOXES:
                data[name] = self.data.get(name) in ("on", "1", "true", "True")
            else:
                data[name] = str(self.data.get(name, "") or "")
        return data

    def describe(self) -> None:
        """Tie help texts and errors to their fields (aria-describedby, aria-invalid)."""
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}_help")
            if self.errors.get(name):
                ids.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
