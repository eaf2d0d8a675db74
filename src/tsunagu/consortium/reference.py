"""Reference facts: the 20 business areas of the national standardisation (標準化対象20業務)
and the steps of the national standardisation procedure (手順書) as a checklist.

The areas are loaded by a data migration; the steps are fixed data (their numbers are stored).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    name_en: str


NATIONAL_AREAS: tuple[Area, ...] = (
    Area("n01-juki", "住民基本台帳", "Resident register"),
    Area("n02-senkyo", "選挙人名簿管理", "Electoral roll"),
    Area("n03-kotei", "固定資産税", "Fixed asset tax"),
    Area("n04-kojin", "個人住民税", "Individual resident tax"),
    Area("n05-hojin", "法人住民税", "Corporate resident tax"),
    Area("n06-keiji", "軽自動車税", "Light vehicle tax"),
    Area("n07-koseki", "戸籍", "Family register"),
    Area("n08-fuhyo", "戸籍附票", "Family register supplement"),
    Area("n09-shugaku", "就学", "School enrolment"),
    Area("n10-kenko", "健康管理", "Health management"),
    Area("n11-jifu", "児童扶養手当", "Child-rearing allowance"),
    Area("n12-seiho", "生活保護", "Public assistance"),
    Area("n13-shogai", "障害者福祉", "Disability welfare"),
    Area("n14-kaigo", "介護保険", "Long-term care insurance"),
    Area("n15-kokuho", "国民健康保険", "National health insurance"),
    Area("n16-koki", "後期高齢者医療", "Medical care for the elderly (75+)"),
    Area("n17-nenkin", "国民年金", "National pension"),
    Area("n18-kodomo", "子ども・子育て支援", "Child and childcare support"),
    Area("n19-inkan", "印鑑登録", "Seal registration"),
    Area("n20-jido", "児童手当", "Child allowance"),
)


@dataclass(frozen=True)
class Step:
    number: int
    phase: str
    name: str
    name_en: str


_PHASES = {
    "plan": ("計画立案", "Planning"),
    "select": ("システム選定", "Selection"),
    "prepare": ("移行準備", "Preparation"),
    "migrate": ("移行", "Migration"),
    "live": ("稼働", "Go-live"),
}

_STEPS: tuple[tuple[str, str, str], ...] = (
    ("plan", "推進体制の立ち上げ", "Set up the project team"),
    ("plan", "全体計画の策定", "Overall plan"),
    ("plan", "現行システムの概況調査", "Survey of the current system"),
    ("plan", "移行計画（案）の作成", "Draft migration plan"),
    ("plan", "標準仕様書の確認", "Study the standard specification"),
    ("plan", "スケジュールの策定", "Schedule"),
    ("plan", "予算要求", "Budget request"),
    ("plan", "庁内関係部署との調整", "Coordination with the departments"),
    ("select", "RFI（情報提供依頼）の実施", "Request for information"),
    ("select", "Fit & Gap分析", "Fit & gap analysis"),
    ("select", "業務フローの見直し", "Review business flows"),
    ("select", "帳票の見直し", "Review forms and print-outs"),
    ("select", "標準オプション機能の選択", "Choose standard options"),
    ("select", "実装しない機能の確認", "Confirm functions not to be implemented"),
    ("select", "独自施策の整理（他システム連携含む）", "Local measures and interfaces"),
    ("select", "調達仕様書の作成", "Procurement specification"),
    ("select", "ベンダー選定", "Vendor selection"),
    ("select", "契約締結", "Contract"),
    ("prepare", "データ移行計画の策定", "Data migration plan"),
    ("prepare", "文字の同定（行政事務標準文字への対応）", "Character mapping to the standard set"),
    ("prepare", "データクレンジング", "Data cleansing"),
    ("prepare", "条例・規則等の改正検討", "Study ordinance and rule changes"),
    ("prepare", "例規の改正", "Amend ordinances and rules"),
    ("prepare", "ガバメントクラウド接続の準備", "Prepare the government cloud connection"),
    ("prepare", "ネットワーク環境の整備", "Network"),
    ("prepare", "他システムとの連携方式の確定", "Fix the interfaces with other systems"),
    ("prepare", "運用体制の確定", "Operations organisation"),
    ("prepare", "職員研修の計画", "Staff training plan"),
    ("migrate", "移行リハーサル（1回目）", "Migration rehearsal 1"),
    ("migrate", "移行リハーサル（2回目）", "Migration rehearsal 2"),
    ("migrate", "データ移行の実施", "Data migration"),
    ("migrate", "総合運用テスト", "Integrated operations test"),
    ("migrate", "職員研修の実施", "Staff training"),
    ("migrate", "住民への周知", "Inform residents"),
    ("migrate", "本番移行判定", "Go/no-go decision"),
    ("live", "本稼働", "Go-live"),
    ("live", "稼働後の安定化対応", "Stabilisation"),
    ("live", "旧システムの停止・データ消去", "Retire the old system and erase its data"),
    ("live", "移行完了報告", "Completion report"),
    ("live", "運用の評価と改善", "Evaluate and improve operations"),
)

STEPS: tuple[Step, ...] = tuple(
    Step(number=i, phase=phase, name=name, name_en=name_en)
    for i, (phase, name, name_en) in enumerate(_STEPS, start=1)
)
STEP_COUNT = len(STEPS)


def phase_label(phase: str, language: str | None) -> str:
    ja, en = _PHASES[phase]
    return en if language == "en" else ja


def step_label(step: Step, language: str | None) -> str:
    return step.name_en if language == "en" else step.name
