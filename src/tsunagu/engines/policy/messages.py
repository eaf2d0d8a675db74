"""Every human text of the verifier, keyed by code, in Japanese and English.

Findings have a ``title`` (what is wrong) and a ``fix`` (how to fix it); factors a ``label``.
Texts are ``str.format`` templates over the finding's / factor's params (lists are joined).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGS = ("ja", "en")

FINDINGS: dict[str, dict[str, tuple[str, str]]] = {
    # code: {lang: (title, fix)}
    "mynumber_internet": {
        "ja": (
            "マイナンバー利用事務系とインターネットの間に通信経路ができます"
            "（ルール {rule}{via}: {flows}）。",
            "マイナンバー利用事務系とインターネットの通信は認められません。特定通信"
            "（eLTAX・マイナポータル）の場合は承認済みの宛先だけを指定し、"
            "統制 specific_communication を付けてください。",
        ),
        "en": (
            "A path between the mynumber zone and the internet is opened "
            "(rule {rule}{via}: {flows}).",
            "The mynumber zone must never talk to the internet. For an approved specific "
            "communication (eLTAX, Mynaportal) name only the approved endpoint and add the "
            "control specific_communication.",
        ),
    },
    "internet_to_lgwan_unsanitised": {
        "ja": (
            "インターネットから LGWAN 接続系への通信が無害化なしで許可されます"
            "（ルール {rule}: {flows}）。",
            "ファイル・メールの取り込みは無害化（sanitisation）を経由させ、ルールに統制 "
            "sanitisation を付けてください。",
        ),
        "en": (
            "Traffic from the internet into the LGWAN zone is permitted without sanitisation "
            "(rule {rule}: {flows}).",
            "Route file and mail intake through sanitisation and add the control "
            "sanitisation to the rule.",
        ),
    },
    "inbound_without_waf": {
        "ja": (
            "インターネットからの受信（公開）が WAF なしで許可されます（ルール {rule}: {flows}）。",
            "公開サービスはリバースプロキシ／WAF の背後に置き、ルールに統制 waf を付けてください。",
        ),
        "en": (
            "Inbound traffic from the internet is permitted without a WAF (rule {rule}: {flows}).",
            "Publish the service behind the reverse proxy / WAF and add the control waf.",
        ),
    },
    "mynumber_lgwan": {
        "ja": (
            "マイナンバー利用事務系と LGWAN 接続系の間の通信を許可します"
            "（ルール {rule}: {flows}）。",
            "原則禁止の通信です。データ連携用の中間サーバ等、必要最小限の宛先・ポートに絞り、"
            "例外措置として二名で審査してください。",
        ),
        "en": (
            "Traffic between the mynumber and LGWAN zones is permitted (rule {rule}: {flows}).",
            "Denied in principle: narrow it to the data-linkage server and ports that need it "
            "and have two reviewers approve the exception.",
        ),
    },
    "high_risk_port": {
        "ja": (
            "危険度の高いポートがインターネットとの間で開きます（ルール {rule}: {flows}）。",
            "Telnet・SMB・RDP・データベース等のポートはインターネットに開けられません。"
            "画面転送や VPN など別の手段を使ってください。",
        ),
        "en": (
            "A high-risk port is opened to or from the internet (rule {rule}: {flows}).",
            "Telnet, SMB, RDP, database and similar ports may not face the internet; use "
            "screen transfer or a VPN instead.",
        ),
    },
    "domain_too_broad": {
        "ja": (
            "ドメインパターン {pattern} は登録可能ドメインより広すぎます"
            "（{suffix} は公開サフィックス）。",
            "サービスのドメイン（例: *.example.co.jp）またはホスト名を指定してください。",
        ),
        "en": (
            "The domain pattern {pattern} is broader than one registrable domain "
            "({suffix} is a public suffix).",
            "Name the service's own domain (e.g. *.example.co.jp) or its host names.",
        ),
    },
    "tls_exempt_upload": {
        "ja": (
            "アップロード可能なサービス {pattern} を TLS 検査の対象外にします。",
            "アップロード可能なサービスは検査対象外にできません。アップロード機能のない"
            "ホストだけを対象外にするか、検査を維持してください。",
        ),
        "en": (
            "The upload-capable service {pattern} is exempted from TLS inspection.",
            "Upload-capable services must stay inspected: exempt only hosts without upload, "
            "or keep inspection.",
        ),
    },
    "attachment_bypass": {
        "ja": (
            "メール中継の添付ファイル方針が allow（無害化の迂回）になります。",
            "添付ファイルは sanitise・image・strip のいずれかにしてください。",
        ),
        "en": (
            "The mail relay attachment policy becomes allow (a sanitisation bypass).",
            "Set the attachment policy to sanitise, image or strip.",
        ),
    },
    "outside_own_plan": {
        "ja": (
            "ルール {rule} の{side}が自団体のアドレス計画の外にあります: {outside}。",
            "自団体のゾーン（zone:…）または自団体のプレフィックスだけを指定してください。"
            "他団体にかかわる通信は共通ルールとして申請してください。",
        ),
        "en": (
            "The {side} of rule {rule} lies outside the organisation's own address plan: "
            "{outside}.",
            "Use only your own zones (zone:…) or prefixes; traffic involving other bodies "
            "needs a shared-rule request.",
        ),
    },
    "blast_radius": {
        "ja": (
            "この団体の変更が他の団体の通信を変えます: {orgs}。",
            "自団体のアドレスだけにかかるようにルールを絞るか、共通ルールとして申請してください。",
        ),
        "en": (
            "This organisation's change alters what other organisations may do: {orgs}.",
            "Narrow the rules to your own addresses, or request a shared-rule change.",
        ),
    },
    "temporary_without_expiry": {
        "ja": (
            "一時ルール {rule} に有効期限がないか、期限が長すぎます（上限 {max_days} 日）。",
            "有効期限を {max_days} 日以内で設定してください。",
        ),
        "en": (
            "The temporary rule {rule} has no expiry or too long a one (limit {max_days} days).",
            "Set an expiry date at most {max_days} days ahead.",
        ),
    },
    "expired_item": {
        "ja": (
            "{rule} の有効期限 {expires} は既に過ぎています。",
            "将来の有効期限を設定してください。",
        ),
        "en": (
            "The expiry date {expires} of {rule} has already passed.",
            "Set an expiry date in the future.",
        ),
    },
    "expired_in_policy": {
        "ja": (
            "{rule} は有効期限 {expires} を過ぎています。",
            "削除してください（削除の影響が自団体内に限られることを検証済みです）。",
        ),
        "en": (
            "{rule} expired on {expires}.",
            "Remove it (the removal is checked to stay within the organisation).",
        ),
    },
    "shared_change": {
        "ja": (
            "全団体共通のルールを変更します（影響する団体: {count}）。",
            "共通ルールの承認手続（関係団体の合意）を経てください。",
        ),
        "en": (
            "The change touches the shared rules of all bodies ({count} organisations affected).",
            "Take it through the shared-rule approval path (agreement of the bodies concerned).",
        ),
    },
    "removes_deny": {
        "ja": (
            "拒否ルールの削除により新たに通信が許可されます: {flows}。",
            "削除で許可される通信が意図どおりか確認してください。",
        ),
        "en": (
            "Removing a deny rule newly permits traffic: {flows}.",
            "Check that the traffic the removal permits is intended.",
        ),
    },
    # ---- input validation
    "invalid_address": {
        "ja": (
            "アドレス {ref} を解釈できません。",
            "a.b.c.d/nn 形式のプレフィックスを指定してください。",
        ),
        "en": ("The address {ref} cannot be read.", "Give a prefix such as a.b.c.d/nn."),
    },
    "host_bits_set": {
        "ja": (
            "プレフィックス {ref} にホスト部のビットが立っています（{network} のことですか）。",
            "ネットワークアドレス {network} を指定するか、"
            "意図した範囲を申請内容に記載してください。",
        ),
        "en": (
            "The prefix {ref} has host bits set (did you mean {network}?).",
            "Use the network address {network}, or state the intended range in the request.",
        ),
    },
    "unknown_zone": {
        "ja": (
            "ゾーン {zone} は団体 {org} のアドレス計画にありません。",
            "既存のゾーン名を指定してください。",
        ),
        "en": ("The zone {zone} is not in the address plan of {org}.", "Use an existing zone."),
    },
    "fqdn_source": {
        "ja": (
            "送信元に FQDN {ref} は指定できません。",
            "送信元はアドレスかゾーンで指定してください。",
        ),
        "en": ("A FQDN ({ref}) cannot be a source.", "Give sources as addresses or zones."),
    },
    "invalid_domain": {
        "ja": (
            "ドメイン {ref} を解釈できません。",
            "host.example.jp か *.example.jp の形で指定してください。",
        ),
        "en": ("The domain {ref} cannot be read.", "Use host.example.jp or *.example.jp."),
    },
    "invalid_protocol": {
        "ja": (
            "プロトコル {protocol} は使えません。",
            "tcp・udp・icmp・any のいずれかにしてください。",
        ),
        "en": ("The protocol {protocol} is not supported.", "Use tcp, udp, icmp or any."),
    },
    "invalid_port": {
        "ja": ("ポート {ports} は範囲外です。", "0〜65535 の範囲で指定してください。"),
        "en": ("The port {ports} is out of range.", "Use ports within 0-65535."),
    },
    "invalid_action": {
        "ja": ("動作 {action} は使えません。", "allow か deny にしてください。"),
        "en": ("The action {action} is not supported.", "Use allow or deny."),
    },
    "invalid_direction": {
        "ja": (
            "方向 {direction} は使えません。",
            "outbound・inbound・internal のいずれかにしてください。",
        ),
        "en": ("The direction {direction} is not supported.", "Use outbound, inbound or internal."),
    },
    "empty_reference": {
        "ja": (
            "ルール {rule} に送信元または宛先がありません。",
            "送信元と宛先を指定してください。",
        ),
        "en": ("Rule {rule} has no source or no destination.", "Give sources and destinations."),
    },
    "unknown_org": {
        "ja": ("団体 {org} はポリシーにありません。", "団体コードを確認してください。"),
        "en": ("The organisation {org} is not in the policy.", "Check the organisation code."),
    },
    "unknown_rule": {
        "ja": ("削除対象のルール {rule} がありません。", "既存のルール ID を指定してください。"),
        "en": ("There is no rule {rule} to remove.", "Name an existing rule."),
    },
    "unknown_domain_entry": {
        "ja": ("削除対象のドメイン登録 {uid} がありません。", "既存の登録 ID を指定してください。"),
        "en": ("There is no domain entry {uid} to remove.", "Name an existing entry."),
    },
    "duplicate_uid": {
        "ja": ("ID {uid} は既に使われています。", "新しい ID を付けてください。"),
        "en": ("The id {uid} is already in use.", "Use a new id."),
    },
    "invalid_relay_host": {
        "ja": ("中継ホスト {host} を解釈できません。", "host[:port] の形で指定してください。"),
        "en": ("The relay host {host} cannot be read.", "Use host[:port]."),
    },
    "invalid_input": {
        "ja": ("申請内容を読み取れません: {error}", "申請フォームの入力を確認してください。"),
        "en": ("The request cannot be read: {error}", "Check the request form."),
    },
    "invalid_kind": {
        "ja": ("変更種別 {kind} は使えません。", "定義済みの変更種別を指定してください。"),
        "en": ("The change kind {kind} is not supported.", "Use one of the defined kinds."),
    },
}

FACTORS: dict[str, dict[str, str]] = {
    "base": {"ja": "変更種別「{kind_ja}」の基本点", "en": "base points of a {kind_en} change"},
    "new_space": {
        "ja": "新たに許可される通信の広さ（2^{bits} ヘッダ）",
        "en": "breadth of the newly permitted traffic (2^{bits} headers)",
    },
    "non_web_ports": {
        "ja": "Web 以外のポートを開ける（{ports}）",
        "en": "opens non-web ports ({ports})",
    },
    "udp": {"ja": "UDP を許可する", "en": "permits UDP"},
    "collateral": {
        "ja": "申請内容より広く許可される（巻き添え）",
        "en": "permits more than was asked for (collateral)",
    },
    "upload_capable": {
        "ja": "ファイルをアップロードできるサービス（{patterns}）",
        "en": "an upload-capable service ({patterns})",
    },
    "tls_exemption": {
        "ja": "TLS 検査の対象外にする（{patterns}）",
        "en": "exempts from TLS inspection ({patterns})",
    },
    "wildcard_domain": {
        "ja": "ワイルドカードのドメイン指定 {count} 件",
        "en": "{count} wildcard domain pattern(s)",
    },
    "shared_section": {"ja": "全団体共通のルールの変更", "en": "a change to the shared rules"},
    "other_orgs": {
        "ja": "影響する団体 {count} 団体",
        "en": "{count} organisation(s) affected",
    },
    "escalation": {
        "ja": "要審査の指摘 {count} 件",
        "en": "{count} finding(s) that need review",
    },
    "temporary": {"ja": "期限付きの一時的な変更", "en": "a temporary change with an expiry"},
    "catalog": {
        "ja": "カタログで審査済みのサービス（{service}）の採用",
        "en": "adoption of a service already vetted in the catalog ({service})",
    },
    "newly_denied_only": {
        "ja": "許可を取り消すだけの変更",
        "en": "the change only takes permissions away",
    },
    "already_allowed": {
        "ja": "既に全て許可済み（実質的な変更なし）",
        "en": "already fully allowed (no effective change)",
    },
}

KINDS: dict[str, tuple[str, str]] = {
    "allow_domain": ("ドメイン許可", "allow-domain"),
    "tls_exemption": ("TLS 検査除外", "TLS-exemption"),
    "firewall_outbound": ("通信許可（送信）", "outbound firewall"),
    "inbound_publication": ("公開（受信）", "inbound publication"),
    "mail_relay": ("メール中継設定", "mail relay"),
    "rule_removal": ("ルール削除", "rule removal"),
    "temporary_rule": ("一時ルール", "temporary rule"),
    "catalog_adoption": ("カタログ採用", "catalog adoption"),
}

CLASSES: dict[str, dict[str, str]] = {
    "standard": {"ja": "標準変更（自動承認）", "en": "standard change (auto-approved)"},
    "normal": {"ja": "通常変更（承認者 1 名）", "en": "normal change (one reviewer)"},
    "major": {"ja": "重要変更（承認者 2 名）", "en": "major change (two reviewers)"},
    "rejected": {"ja": "却下", "en": "rejected"},
}

ALREADY: dict[str, dict[str, str]] = {
    "fully": {"ja": "既に全て許可されています", "en": "is already fully allowed"},
    "partly": {"ja": "既に一部が許可されています", "en": "is already partly allowed"},
    "no": {"ja": "まだ許可されていません", "en": "is not yet allowed"},
}

SIDES = {"source": ("送信元", "source"), "destination": ("宛先", "destination")}


def _render(template: str, params: Mapping[str, Any], lang: str) -> str:
    values: dict[str, str] = {}
    for k, v in params.items():
        if isinstance(v, list | tuple):
            values[k] = ("、" if lang == "ja" else ", ").join(str(x) for x in v) or "-"
        else:
            values[k] = str(v)
    if "side" in values and values["side"] in SIDES:
        values["side"] = SIDES[values["side"]][0 if lang == "ja" else 1]
    values.setdefault("via", "")

    class _Missing(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "?"

    return template.format_map(_Missing(values))


def finding_text(code: str, params: Mapping[str, Any], lang: str) -> tuple[str, str]:
    lang = lang if lang in LANGS else "en"
    entry = FINDINGS.get(code)
    if entry is None:
        return code, ""
    title, fix = entry[lang]
    return _render(title, params, lang), _render(fix, params, lang)


def factor_text(code: str, params: Mapping[str, Any], lang: str) -> str:
    lang = lang if lang in LANGS else "en"
    entry = FACTORS.get(code)
    if entry is None:
        return code
    return _render(entry[lang], params, lang)
