"""Model documents used by several network tests."""

from __future__ import annotations

from typing import Any

# A small, clean α model of the Musashino demo plan (zones from the gateway plan).
CLEAN_ALPHA: dict[str, Any] = {
    "model": "alpha",
    "zones": [
        {
            "id": "mynumber",
            "kind": "mynumber",
            "label": "マイナンバー系",
            "auth": ["ic_card", "password"],
        },
        {"id": "lgwan", "kind": "lgwan", "label": "LGWAN系", "auth": ["password"]},
        {"id": "internet", "kind": "internet", "label": "インターネット系", "auth": ["password"]},
        {"id": "dmz", "kind": "dmz", "label": "DMZ"},
        {"id": "sanitiser", "kind": "sanitiser", "label": "無害化"},
    ],
    "systems": [
        {
            "id": "juki",
            "name": "住民記録システム",
            "category": "resident_register",
            "zone": "mynumber",
        },
        {"id": "zaimu", "name": "財務会計システム", "category": "finance", "zone": "lgwan"},
    ],
    "terminals": [
        {
            "id": "t-mn",
            "zone": "mynumber",
            "role": "mynumber",
            "count": 80,
            "auth": ["ic_card", "password"],
        },
        {"id": "t-lg", "zone": "lgwan", "role": "main", "count": 900},
    ],
    "flows": [
        {
            "id": "vb",
            "src": "lgwan",
            "dst": "internet",
            "kind": "screen",
            "controls": ["screen_transfer", "no_redirection"],
        },
        {
            "id": "imp",
            "src": "internet",
            "dst": "sanitiser",
            "kind": "file",
            "controls": ["sanitise_file"],
        },
        {
            "id": "imp2",
            "src": "sanitiser",
            "dst": "lgwan",
            "kind": "file",
            "controls": ["sanitise_file"],
        },
        {"id": "web", "src": "internet", "dst": "security_cloud", "kind": "browse"},
        {"id": "asp", "src": "lgwan", "dst": "lgwan_asp", "kind": "data"},
    ],
    "endpoint_measures": ["antivirus", "patching", "logging"],
    "org_measures": ["csirt", "training", "basic_policy_published", "audit_internal"],
}
