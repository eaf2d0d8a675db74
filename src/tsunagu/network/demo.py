"""Demo network-model documents for the 63 organisations (used by the demo seed).

Pure functions, no Django: :func:`demo_document` returns a document in the shape of
``engines.compliance.model.model_to_dict``. Everything is invented for the demo — plausible,
varied and deterministic per organisation code, but not a description of any real body.

Distribution (close to the May 2025 survey: α 82 %, α′ 6 %, β 5 %, β′ 6 %):

* α for most bodies: main terminals in LGWAN, internet through a virtual browser (screen
  transfer) or separate internet terminals, files and mail sanitised, eLTAX and マイナポータル
  as specific communications, the public website in the DMZ behind the security cloud's WAF;
* α′ for :data:`ALPHA_PRIME`: a local breakout to named SaaS with tenant restriction;
* β for :data:`BETA` and β′ for :data:`BETA_PRIME`: main terminals in the internet segment,
  screen transfer with MFA into LGWAN, the measures β requires in place;
* 小金井市 (:data:`KOGANEI`): α today, renewing its network (a Wi-Fi zone is being planned,
  web meetings on separate internet terminals, two gaps in its measures);
* :data:`DELIBERATE_FINDINGS`: bodies whose documents carry a deliberate mistake so the
  compliance advisor has something to show.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

KOGANEI = "132101"
TOKYO = "130001"

ALPHA_PRIME: frozenset[str] = frozenset(
    {"131041", "131083", "131130", "132021", "132063", "132080"}
)
"""新宿区, 江東区, 渋谷区, 立川市, 府中市, 調布市."""
BETA: frozenset[str] = frozenset({"131032", "131199", "132098"})
"""港区, 板橋区, 町田市."""
BETA_PRIME: frozenset[str] = frozenset({"131105", "132047"})
"""目黒区, 三鷹市."""

DELIBERATE_FINDINGS: Mapping[str, str] = {
    "132217": "mynumber_transitive_path",  # 清瀬市: mynumber → lgwan → internet, no controls
    "133051": "mynumber_password_only",  # 日の出町: My Number terminals with a password only
    "131199": "beta_without_edr",  # 板橋区: β without EDR
    "131083": "lbo_without_tenant_restriction",  # 江東区: α′ breakout to *.zoom.us, no tenant
    KOGANEI: "renewal_gaps",  # 小金井市: no published basic policy, no EDR
}
"""Organisation code -> the deliberate mistake in its demo document."""

DEMO_MOVES: dict[str, list[tuple[str, str, str]]] = {
    "131041": [("2025-04-01", "alpha", "alpha_prime")],
    "131083": [("2025-11-04", "alpha", "alpha_prime")],
    "131130": [("2025-10-01", "alpha", "alpha_prime")],
    "132021": [("2025-07-01", "alpha", "alpha_prime")],
    "132063": [("2025-04-01", "alpha", "alpha_prime")],
    "132080": [("2026-01-05", "alpha", "alpha_prime")],
    "131032": [("2021-04-01", "alpha", "beta")],
    "131199": [("2023-04-01", "alpha", "beta")],
    "132098": [("2022-01-04", "alpha", "beta")],
    "131105": [("2021-04-01", "alpha", "beta"), ("2024-04-01", "beta", "beta_prime")],
    "132047": [("2022-10-03", "alpha", "beta_prime")],
}
"""The history of model moves (date, from, to) of the bodies now on α′, β or β′."""

DEMO_CONSENT: set[str] = {
    "131041",
    "131130",
    "132021",
    "132063",
    "132080",
    "131032",
    "132098",
    "131105",
    "132047",
}
"""Bodies that agree to be contacted by peers about their move (most of the movers)."""

KOGANEI_RENEWAL: dict[str, str] = {"target": "beta_prime", "due": "2027-10-01"}
"""小金井市's renewal: the network is renewed next autumn."""

_KINDS: Mapping[str, str] = {
    "都": "prefecture",
    "区": "ward",
    "市": "city",
    "町": "town",
    "村": "village",
    "prefecture": "prefecture",
    "metropolis": "prefecture",
    "ward": "ward",
    "special_ward": "ward",
    "city": "city",
    "town": "town",
    "village": "village",
}

_ISLAND_PREFIXES = ("1336", "1338", "1340", "1342")
"""Codes of the island bodies (大島・三宅・八丈・小笠原支庁): region 島しょ in the CSV."""

_BRANCH_ISLANDS: Mapping[str, str] = {
    "133639": "式根島出張所",  # 新島村
    "134210": "母島支所",  # 小笠原村
}


def is_island(code: str) -> bool:
    """The 9 island towns and villages (region 島しょ), recognised by their code."""
    return code.startswith(_ISLAND_PREFIXES)


def model_kind(code: str) -> str:
    """The network model the demo gives ``code``."""
    if code in ALPHA_PRIME:
        return "alpha_prime"
    if code in BETA:
        return "beta"
    if code in BETA_PRIME:
        return "beta_prime"
    return "alpha"


_LARGE: frozenset[str] = frozenset(
    {"131113", "131121", "131156", "131199", "131202", "131211", "131237", "132012", "132098"}
)
"""大田・世田谷・杉並・板橋・練馬・足立・江戸川区, 八王子・町田市: the largest bodies."""
_SMALL_WARDS: frozenset[str] = frozenset({"131016", "131024", "131059", "131067", "131181"})
"""千代田・中央・文京・台東・荒川区."""
_MID_CITIES: frozenset[str] = frozenset(
    {
        "132021",
        "132039",
        "132047",
        "132055",
        "132063",
        "132080",
        "132110",
        "132128",
        "132136",
        "132241",
        "132292",
    }
)
"""立川・武蔵野・三鷹・青梅・府中・調布・小平・日野・東村山・多摩・西東京市."""


def _staff(code: str, kind: str, rng: random.Random) -> int:
    """Staff with a terminal, roughly in line with the size of the body."""
    if code == TOKYO:
        return 34_000
    if code in _LARGE:
        return rng.randrange(3_400, 5_000, 50)
    if kind == "ward":
        return (
            rng.randrange(1_400, 2_200, 50)
            if code in _SMALL_WARDS
            else rng.randrange(2_000, 3_400, 50)
        )
    if kind == "city":
        return (
            rng.randrange(1_500, 2_600, 50)
            if code in _MID_CITIES
            else rng.randrange(1_000, 1_500, 50)
        )
    if kind == "town":
        return rng.randrange(120, 260, 10) if is_island(code) else rng.randrange(180, 420, 10)
    if kind == "village":
        return rng.randrange(50, 150, 5)
    return rng.randrange(500, 1_500, 50)


class _Doc:
    """Builder of one document: zones, systems, terminals and flows with running ids."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.zones: list[dict[str, Any]] = []
        self.systems: list[dict[str, Any]] = []
        self.terminals: list[dict[str, Any]] = []
        self.flows: list[dict[str, Any]] = []
        self.endpoint: set[str] = set()
        self.org: set[str] = set()

    def zone(self, zid: str, kind: str, label: str, prefixes: list[str], auth: list[str]) -> None:
        self.zones.append(
            {"id": zid, "kind": kind, "label": label, "prefixes": list(prefixes), "auth": auth}
        )

    def system(self, zone: str, name: str, category: str) -> None:
        sid = f"s{len(self.systems) + 1}"
        self.systems.append({"id": sid, "name": name, "category": category, "zone": zone})

    def terminal(
        self,
        zone: str,
        role: str,
        count: int,
        location: str = "",
        auth: list[str] | None = None,
    ) -> None:
        self.terminals.append(
            {
                "id": f"t-{zone}-{role}",
                "zone": zone,
                "role": role,
                "count": count,
                "location": location,
                "auth": list(auth or []),
            }
        )

    def flow(
        self,
        src: str,
        dst: str,
        kind: str,
        controls: list[str],
        note: str = "",
        *,
        both: bool = False,
        destinations: list[tuple[str, bool, str]] | None = None,
    ) -> None:
        self.flows.append(
            {
                "id": f"f{len(self.flows) + 1}",
                "src": src,
                "dst": dst,
                "kind": kind,
                "controls": sorted(set(controls)),
                "destinations": [
                    {"pattern": p, "tenant_restriction": t, "service": s}
                    for p, t, s in destinations or []
                ],
                "bidirectional": both,
                "note": note,
            }
        )

    def document(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "zones": self.zones,
            "systems": self.systems,
            "terminals": self.terminals,
            "flows": self.flows,
            "endpoint_measures": sorted(self.endpoint),
            "org_measures": sorted(self.org),
        }


_M365: list[tuple[str, bool, str]] = [
    ("teams.microsoft.com", True, "Microsoft Teams"),
    ("*.teams.microsoft.com", True, "Microsoft Teams"),
    ("*.sharepoint.com", True, "SharePoint Online"),
    ("login.microsoftonline.com", True, "Microsoft Entra ID"),
]
_BOX_WEBEX: list[tuple[str, bool, str]] = [
    ("app.box.com", True, "Box"),
    ("*.webex.com", True, "Webex"),
]


def demo_document(
    *, code: str, name: str, kind: str, index: int, prefix_plan: Mapping[str, list[str]]
) -> dict[str, Any]:
    """The demo network-model document of one organisation.

    ``kind`` is the organisation kind, as in the CSV (都/区/市/町/村) or in words (prefecture,
    ward, city, town, village); islands are recognised by their code. ``prefix_plan`` maps a
    zone id (mynumber, lgwan, internet, dmz, sanitiser) to its prefixes in the gateway's
    address plan and is used verbatim (a zone missing from it gets no prefixes). ``name`` and
    ``index`` (the organisation's 1-based place in the plan) are accepted for the seed's
    convenience; the document depends on ``code`` and ``kind`` only, so it is deterministic
    per code."""
    rng = random.Random(f"tsunagu-demo-network:{code}")  # noqa: S311 (demo data, not secrets)
    org_kind = _KINDS.get(kind.strip().lower(), _KINDS.get(kind.strip(), "city"))
    island = is_island(code)
    model = model_kind(code)
    mistake = DELIBERATE_FINDINGS.get(code, "")
    staff = _staff(code, org_kind, rng)
    doc = _Doc(model)

    def plan(zid: str) -> list[str]:
        return [str(p) for p in prefix_plan.get(zid, [])]

    # ---------------------------------------------------------------- authentication
    mn_auth = ["ic_card", "password"] if rng.random() < 0.7 else ["biometrics", "password"]
    if mistake == "mynumber_password_only":
        mn_auth = ["password"]
    if model in ("beta", "beta_prime"):
        net_auth = ["ic_card", "password"] if rng.random() < 0.5 else ["password", "totp"]
        lg_auth = ["ic_card", "password"]
    else:
        net_auth = ["password"]
        lg_auth = ["ic_card", "password"] if rng.random() < 0.55 else ["password"]
    if code == "132021":  # 立川市: IC-card staff badges since FY2006
        lg_auth = ["ic_card", "password"]
        mn_auth = ["ic_card", "password"]

    # ---------------------------------------------------------------- zones
    doc.zone("mynumber", "mynumber", "マイナンバー利用事務系", plan("mynumber"), mn_auth)
    doc.zone("lgwan", "lgwan", "LGWAN接続系", plan("lgwan"), lg_auth)
    doc.zone("internet", "internet", "インターネット接続系", plan("internet"), net_auth)
    doc.zone("dmz", "dmz", "DMZ（公開Webサーバ）", plan("dmz"), [])
    doc.zone("sanitiser", "sanitiser", "無害化セグメント", plan("sanitiser"), [])
    branch = _BRANCH_ISLANDS.get(code)
    if branch:
        doc.zone("lgwan_branch", "lgwan", f"{branch}（LGWAN接続系）", [], lg_auth)
    if code == KOGANEI:
        doc.zone("wifi", "custom", "庁内Wi-Fi（更新予定）", [], ["certificate", "password"])

    # ---------------------------------------------------------------- systems
    main_zone = "internet" if model in ("beta", "beta_prime") else "lgwan"
    office_zone = "internet" if model == "beta_prime" else "lgwan"
    if org_kind == "prefecture":
        doc.system("mynumber", "都税システム", "tax")
        doc.system("mynumber", "福祉・保健システム", "welfare")
        doc.system("mynumber", "医療費助成システム", "welfare")
    else:
        doc.system("mynumber", "住民記録システム", "resident_register")
        doc.system("mynumber", "税務システム", "tax")
        doc.system("mynumber", "国民健康保険システム", "national_health_insurance")
        if rng.random() < 0.6 or island:
            doc.system("mynumber", "国民年金システム", "pension")
        doc.system("mynumber", "福祉総合システム", "welfare")
        doc.system("mynumber", "戸籍システム", "family_register")
    doc.system("mynumber", "団体内統合宛名・中間サーバ連携", "data_linkage")
    doc.system(office_zone, "財務会計システム", "finance")
    doc.system(office_zone, "人事給与システム", "hr_payroll")
    doc.system(office_zone, "文書管理システム", "document_management")
    if model in ("beta", "beta_prime"):
        doc.system("internet", "グループウェア（クラウド）", "groupware")
        doc.system("internet", "Microsoft 365", "saas_office")
        doc.system("internet", "Web会議", "web_meeting")
        doc.system("internet", "インターネットメール", "internet_mail")
        doc.system("lgwan", "LGWANメール", "internal_mail")
        doc.system("lgwan", "電子申請（LGWAN-ASP）", "lgwan_asp_client")
        doc.system("lgwan", "画面転送サーバ", "virtual_browser")
    else:
        doc.system("lgwan", "グループウェア", "groupware")
        doc.system("lgwan", "庁内メール", "internal_mail")
        doc.system("lgwan", "電子申請（LGWAN-ASP）", "lgwan_asp_client")
        doc.system("internet", "インターネットメール", "internet_mail")
        if model == "alpha_prime":
            doc.system("lgwan", "Web会議（Teams・LBO）", "web_meeting")
            doc.system("lgwan", "Microsoft 365（LBO）", "saas_office")
    separate_terminals = model == "alpha" and (code == KOGANEI or rng.random() < 0.3)
    if model in ("alpha", "alpha_prime") and not separate_terminals:
        doc.system("internet", "仮想ブラウザ", "virtual_browser")
    if separate_terminals:
        doc.system("internet", "Web会議（インターネット端末）", "web_meeting")
    doc.system("sanitiser", "無害化サーバ", "sanitiser")
    if rng.random() < 0.6 or model != "alpha":
        doc.system("sanitiser", "ファイル授受システム", "file_exchange")
    doc.system("dmz", "公式ホームページ", "public_website")
    if code == KOGANEI:
        doc.system("wifi", "庁内Wi-Fi", "wifi")
        doc.system("wifi", "ペーパーレス会議システム", "other")
    if branch:
        doc.system("lgwan_branch", "窓口端末サーバ", "other")

    # ---------------------------------------------------------------- terminals
    mn_count = max(
        8, round(staff * rng.uniform(0.22, 0.32) / 10) * 10 if staff > 200 else staff // 3
    )
    mn_term_auth = ["password"] if mistake == "mynumber_password_only" else mn_auth
    main_location = "本庁舎・出先機関" if staff > 400 else "役場庁舎"
    doc.terminal(
        main_zone, "main", staff, main_location, net_auth if main_zone == "internet" else lg_auth
    )
    doc.terminal("mynumber", "mynumber", mn_count, "窓口・税務・福祉担当", mn_term_auth)
    if separate_terminals:
        net_count = max(4, round(staff * rng.uniform(0.06, 0.12) / 5) * 5)
        doc.terminal(
            "internet", "internet", net_count, "各課共用のインターネット端末", ["password"]
        )
    if model in ("beta", "beta_prime"):
        doc.terminal("lgwan", "shared", max(10, staff // 40), "LGWAN専用端末（共用）", lg_auth)
        doc.terminal(
            "internet", "telework", max(20, staff // 8), "テレワーク用PC", ["password", "totp"]
        )
    elif staff > 1000 and rng.random() < 0.5:
        doc.terminal(
            "lgwan", "telework", max(20, staff // 20), "テレワーク用PC", ["password", "totp"]
        )
    if code == KOGANEI:
        doc.terminal("wifi", "wifi", 0, "ペーパーレス会議用タブレット（更新時に導入予定）")
    if branch:
        doc.terminal("lgwan_branch", "shared", rng.randrange(4, 12), branch, lg_auth)

    # ---------------------------------------------------------------- flows
    beta_like = model in ("beta", "beta_prime")
    if beta_like:
        doc.flow(
            "internet",
            "lgwan",
            "screen",
            ["screen_transfer", "mfa", "no_redirection", "logging"],
            "インターネット接続系の端末からLGWAN接続系への画面転送",
        )
    elif separate_terminals:
        pass  # internet work happens on the separate internet terminals
    else:
        doc.flow(
            "lgwan",
            "internet",
            "screen",
            ["screen_transfer", "no_redirection", "logging"],
            "仮想ブラウザによるインターネット閲覧",
        )
    doc.flow("internet", "sanitiser", "file", ["malware_check"], "インターネットからのファイル取込")
    doc.flow(
        "sanitiser", "lgwan", "file", ["sanitise_file", "logging"], "無害化済みファイルの受渡し"
    )
    doc.flow(
        "internet",
        "lgwan",
        "mail",
        ["sanitise_mail"],
        "メール無害化（添付ファイル削除・テキスト化）",
    )
    if rng.random() < 0.6 or beta_like:
        doc.flow(
            "lgwan", "internet", "file", ["file_exchange", "logging"], "承認付きファイル持出し"
        )
    doc.flow("lgwan", "lgwan_wan", "data", ["logging"], "LGWAN", both=True)
    doc.flow("lgwan", "lgwan_asp", "data", [], "LGWAN-ASP（電子申請ほか）")
    if mistake == "mynumber_transitive_path":
        doc.flow("mynumber", "lgwan", "data", [], "税務データの暫定CSV連携")
        doc.flow("lgwan", "internet", "data", [], "集計データのクラウド送信")
    else:
        doc.flow(
            "mynumber",
            "lgwan",
            "data",
            ["specific_communication", "logging"],
            "中間サーバ連携（団体内統合宛名）",
            both=True,
        )
    doc.flow("internet_external", "mynumber", "specific", ["specific_communication"], "eLTAX")
    doc.flow(
        "internet_external",
        "mynumber",
        "specific",
        ["specific_communication"],
        "マイナポータル（ぴったりサービス）",
    )
    doc.flow("internet", "security_cloud", "browse", ["logging"], "Web閲覧（プロキシ）")
    doc.flow("security_cloud", "internet_external", "browse", ["logging"], "Web閲覧")
    doc.flow("security_cloud", "internet", "mail", ["malware_check"], "メール中継", both=True)
    doc.flow(
        "internet_external",
        "security_cloud",
        "mail",
        ["malware_check"],
        "メール受信・送信",
        both=True,
    )
    doc.flow("security_cloud", "dmz", "browse", ["waf"], "公式ホームページ公開（WAF）")
    if rng.random() < 0.5:
        doc.flow("internet", "dmz", "admin", ["mfa", "logging"], "ホームページ更新（CMS）")
    if branch:
        doc.flow("lgwan_branch", "lgwan", "data", ["logging"], f"{branch}との閉域網", both=True)
    if model == "alpha_prime":
        dests = list(_M365 if rng.random() < 0.7 or code == "131083" else _BOX_WEBEX)
        if mistake == "lbo_without_tenant_restriction":
            dests += [("zoom.us", False, "Zoom"), ("*.zoom.us", False, "Zoom")]
        doc.flow(
            "lgwan",
            "internet_external",
            "lbo",
            ["lbo_allowlist", "tenant_restriction", "malware_check", "logging"],
            "ローカルブレイクアウト（特定SaaS）",
            destinations=dests,
        )
    if beta_like:
        doc.flow(
            "internet_external",
            "internet",
            "telework",
            ["screen_transfer", "mfa", "no_redirection", "logging", "waf"],
            "テレワーク（画面転送・MFA、セキュリティクラウドのリバースプロキシ経由）",
        )
    elif any(t["role"] == "telework" for t in doc.terminals):
        doc.flow(
            "internet_external",
            "lgwan",
            "telework",
            ["screen_transfer", "mfa", "no_redirection", "logging"],
            "テレワーク（画面転送・ワンタイムパスワード）",
        )
    if code == KOGANEI:
        doc.flow(
            "wifi",
            "lgwan",
            "data",
            ["mfa", "logging"],
            "庁内Wi-Fiからのペーパーレス会議（更新後）",
        )
        doc.flow("wifi", "internet", "screen", ["screen_transfer", "mfa"], "Web会議（更新後）")

    # ---------------------------------------------------------------- measures
    endpoint = {"antivirus", "logging", "patching", "asset_management", "restricted_media"}
    orgm = {
        "ciso_policy_review",
        "csirt",
        "training",
        "audit_internal",
        "incident_response_plan",
        "basic_policy_published",  # required since 2026-04-01: only 小金井市 is behind
    }
    for measure, p in (("edr", 0.35), ("log_monitoring", 0.3), ("device_certificate", 0.2)):
        if rng.random() < p:
            endpoint.add(measure)
    for measure, p in (
        ("phishing_drills", 0.5),
        ("audit_external", 0.4),
        ("supplier_management", 0.5),
    ):
        if rng.random() < p:
            orgm.add(measure)
    if model == "alpha_prime":
        endpoint |= {"edr", "log_monitoring"}
        orgm |= {"basic_policy_published", "phishing_drills", "supplier_management"}
    if beta_like:
        endpoint |= {"edr", "log_monitoring", "device_certificate"}
        orgm |= {
            "basic_policy_published",
            "phishing_drills",
            "audit_external",
            "supplier_management",
        }
    if org_kind == "prefecture":
        endpoint |= {"edr", "log_monitoring"}
        orgm |= {"basic_policy_published", "audit_external", "phishing_drills"}
    if mistake == "beta_without_edr":
        endpoint.discard("edr")
    if code == KOGANEI:
        endpoint.discard("edr")
        endpoint.discard("log_monitoring")
        orgm.discard("basic_policy_published")
        orgm.discard("audit_external")
    doc.endpoint = endpoint
    doc.org = orgm
    _ = (name, index)  # part of the seed's call; the document does not repeat them
    return doc.document()
