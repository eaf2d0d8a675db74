"""Words for the engine's codes in the user's language (zones, flows, controls, measures …)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

MODEL_LABELS: dict[str, Any] = {
    "alpha": _("α model"),
    "alpha_prime": _("α′ model"),
    "beta": _("β model"),
    "beta_prime": _("β′ model"),
    "custom": _("Custom model"),
}
ZONE_KIND_LABELS: dict[str, Any] = {
    "mynumber": _("My Number segment"),
    "lgwan": _("LGWAN segment"),
    "internet": _("Internet segment"),
    "dmz": _("DMZ"),
    "sanitiser": _("Sanitisation segment"),
    "custom": _("Custom zone"),
    "internet_external": _("Internet (outside)"),
    "security_cloud": _("Security cloud"),
    "lgwan_wan": _("LGWAN (J-LIS)"),
    "lgwan_asp": _("LGWAN-ASP"),
}
FLOW_KIND_LABELS: dict[str, Any] = {
    "data": _("Data transfer"),
    "file": _("Files"),
    "mail": _("Mail"),
    "browse": _("Web browsing"),
    "screen": _("Screen transfer"),
    "lbo": _("Local breakout"),
    "specific": _("Specific communication"),
    "telework": _("Telework"),
    "admin": _("Administration"),
}
CONTROL_LABELS: dict[str, Any] = {
    "sanitise_file": _("File sanitisation"),
    "sanitise_mail": _("Mail sanitisation"),
    "screen_transfer": _("Screen transfer / virtual browser"),
    "lbo_allowlist": _("Breakout allow-list"),
    "tenant_restriction": _("Tenant restriction"),
    "specific_communication": _("Specific communication"),
    "mfa": _("Multi-factor authentication"),
    "file_exchange": _("Controlled file exchange"),
    "logging": _("Logging"),
    "malware_check": _("Malware check"),
    "no_redirection": _("No clipboard/drive/printer redirection"),
    "waf": _("WAF / reverse proxy"),
}
AUTH_LABELS: dict[str, Any] = {
    "password": _("Password"),
    "pin": _("PIN"),
    "ic_card": _("IC card"),
    "token": _("Hardware token"),
    "totp": _("One-time password app"),
    "certificate": _("Device certificate"),
    "biometrics": _("Biometrics"),
}
MEASURE_LABELS: dict[str, Any] = {
    "edr": _("EDR (endpoint detection and response)"),
    "antivirus": _("Antivirus"),
    "logging": _("Log collection"),
    "log_monitoring": _("Log monitoring"),
    "patching": _("Prompt patching"),
    "asset_management": _("Asset management"),
    "device_certificate": _("Device certificates"),
    "restricted_media": _("Restricted external media"),
    "ciso_policy_review": _("CISO-led policy review"),
    "csirt": _("CSIRT"),
    "training": _("Security training"),
    "phishing_drills": _("Targeted-mail drills"),
    "audit_internal": _("Internal audit"),
    "audit_external": _("External audit"),
    "basic_policy_published": _("Published cybersecurity basic policy"),
    "incident_response_plan": _("Incident response plan"),
    "supplier_management": _("Supplier management"),
}
ROLE_LABELS: dict[str, Any] = {
    "main": _("Main work terminals"),
    "internet": _("Internet terminals"),
    "mynumber": _("My Number terminals"),
    "shared": _("Shared terminals"),
    "wifi": _("Wi-Fi devices"),
    "telework": _("Telework devices"),
}
CATEGORY_LABELS: dict[str, Any] = {
    "resident_register": _("Resident register"),
    "tax": _("Local tax"),
    "national_health_insurance": _("National health insurance"),
    "pension": _("Pension"),
    "welfare": _("Welfare"),
    "family_register": _("Family register"),
    "finance": _("Finance"),
    "hr_payroll": _("HR and payroll"),
    "document_management": _("Document management"),
    "groupware": _("Groupware"),
    "internal_mail": _("Internal mail"),
    "internet_mail": _("Internet mail"),
    "web_meeting": _("Web meetings"),
    "public_website": _("Public website"),
    "wifi": _("Wi-Fi"),
    "file_exchange": _("File exchange"),
    "sanitiser": _("Sanitisation server"),
    "virtual_browser": _("Virtual browser"),
    "lgwan_asp_client": _("LGWAN-ASP client"),
    "data_linkage": _("Data-linkage server"),
    "saas_office": _("Office SaaS"),
    "other": _("Other"),
}
SEVERITY_LABELS: dict[str, Any] = {
    "critical": _("Critical"),
    "high": _("High"),
    "medium": _("Medium"),
    "low": _("Low"),
    "info": _("Information"),
}
SEVERITY_TONES = {
    "critical": "error",
    "high": "error",
    "medium": "warn",
    "low": "info",
    "info": "muted",
}


def label(table: dict[str, Any], code: str) -> str:
    return str(table.get(code, code))


def choices(table: dict[str, Any], codes: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    return [(c, str(table.get(c, c))) for c in codes]


def finding_rows(findings: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Finding documents with their texts in ``lang`` and their labels, for the templates."""
    return [
        {
            **f,
            "title_text": f["title"].get(lang) or f["title"].get("ja", ""),
            "detail_text": f["detail"].get(lang) or f["detail"].get("ja", ""),
            "fix_text": f["fix"].get(lang) or f["fix"].get("ja", ""),
            "severity_label": label(SEVERITY_LABELS, f["severity"]),
            "tone": SEVERITY_TONES.get(f["severity"], "info"),
            "measure_labels": [label(MEASURE_LABELS, m) for m in f.get("measures", [])],
        }
        for f in findings
    ]
