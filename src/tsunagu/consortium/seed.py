"""Demo data for the joint-use groups (idempotent, deterministic).

* 東京自治体クラウド (``tjc``): 立川市, 三鷹市 and 日野市 (members since 2018), 小金井市 joining
  with its cut-over on 2027-11-01; a council of the mayors, a secretariat (三鷹市), 64 working
  groups (the 20 national business areas and 44 own areas, led in turn by the three cities —
  日野市 leads a third of them), about 320 items in every state with each member's practice
  and position, meetings with minutes, decisions and follow-up actions, one meeting planned
  in a 日野市-led working group with items ready for a decision, one blocking item overdue
  (the onboarding alert), and the national procedure's progress.
* 西多摩4町村 (``nishitama4``): 瑞穂町, 日の出町, 檜原村, 奥多摩町 share 18 areas with no
  customisation (they even aligned an ordinance).
* 小平・東村山・東久留米 (``kht3``): 8 areas.

History is written directly (it happened before the platform); everything later goes through
the services. Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from tsunagu.accounts.models import User
from tsunagu.core.models import Organization
from tsunagu.core.roles import Role

from . import seed_data as data
from .models import (
    AgendaEntry,
    BusinessArea,
    FollowUpAction,
    GovernanceBody,
    HarmonisationItem,
    JointUseGroup,
    Meeting,
    Membership,
    Position,
    StepProgress,
    WorkingGroup,
)
from .reference import NATIONAL_AREAS, STEP_COUNT

TACHIKAWA, MITAKA, HINO, KOGANEI = "132021", "132047", "132128", "132101"
NISHITAMA = ("133035", "133051", "133078", "133086")  # 瑞穂町, 日の出町, 檜原村, 奥多摩町
KHT = ("132110", "132136", "132225")  # 小平市, 東村山市, 東久留米市
KOGANEI_CUT_OVER = dt.date(2027, 11, 1)
GENERIC_TOPICS = [
    "通知書の問合せ先の表記",
    "帳票の出力順（住所順・氏名順）",
    "EUCで抽出する項目",
    "職員の操作権限の範囲",
    "一括処理の実行日",
    "過年度分の照会方法",
]


@dataclass(frozen=True)
class GroupSpec:
    slug: str
    name: str
    name_en: str
    prefix: str
    description: str
    package: str
    agreed_on: dt.date
    members: tuple[str, ...]
    secretariat: str
    quorum_percent: int
    areas: tuple[str, ...]  # business area codes, in working-group order
    joining: tuple[tuple[str, dt.date], ...] = ()
    customise: bool = True  # whether members ever ask for customisation
    generic_per_area: int = 0


def _own_area_codes() -> list[str]:
    return [code for code, _n, _e, _t in data.OWN_AREAS]


SPECS = (
    GroupSpec(
        slug="tjc",
        name="東京自治体クラウド",
        name_en="Tokyo Municipal Cloud",
        prefix="TJC",
        description=(
            "立川市・三鷹市・日野市が住民情報システムのパッケージを共同利用し、システムだけで"
            "なく業務の運用もそろえる取組。小金井市が次のシステム更新に合わせて加入する。"
            "(デモデータ)"
        ),
        package="住民情報システム（共同利用パッケージ・ガバメントクラウド上）",
        agreed_on=dt.date(2018, 10, 1),
        members=(TACHIKAWA, MITAKA, HINO),
        secretariat=MITAKA,
        quorum_percent=100,
        areas=tuple(a.code for a in NATIONAL_AREAS) + tuple(_own_area_codes()),
        joining=((KOGANEI, KOGANEI_CUT_OVER),),
        generic_per_area=1,
    ),
    GroupSpec(
        slug="nishitama4",
        name="西多摩4町村 自治体クラウド",
        name_en="Western Tama four towns and villages",
        prefix="NT4",
        description=(
            "瑞穂町・日の出町・檜原村・奥多摩町が18業務を共同利用。カスタマイズはせず、"
            "手数料条例までそろえた。(デモデータ)"
        ),
        package="住民情報システム（共同利用・ノンカスタマイズ）",
        agreed_on=dt.date(2015, 4, 1),
        members=NISHITAMA,
        secretariat="133051",
        quorum_percent=100,
        areas=(
            "n01-juki",
            "n02-senkyo",
            "n03-kotei",
            "n04-kojin",
            "n05-hojin",
            "n06-keiji",
            "n07-koseki",
            "n08-fuhyo",
            "n10-kenko",
            "n14-kaigo",
            "n15-kokuho",
            "n16-koki",
            "n17-nenkin",
            "n19-inkan",
            "n20-jido",
            "o-shuno",
            "o-atena",
            "o-reiki",
        ),
        customise=False,
    ),
    GroupSpec(
        slug="kht3",
        name="小平・東村山・東久留米 自治体クラウド",
        name_en="Kodaira, Higashimurayama and Higashikurume cloud",
        prefix="KHT",
        description="小平市・東村山市・東久留米市が8業務を共同利用。(デモデータ)",
        package="住民情報システム（8業務の共同利用）",
        agreed_on=dt.date(2016, 1, 1),
        members=KHT,
        secretariat="132110",
        quorum_percent=66,  # two of the three
        areas=(
            "n01-juki",
            "n03-kotei",
            "n04-kojin",
            "n06-keiji",
            "n15-kokuho",
            "n19-inkan",
            "o-shuno",
            "o-atena",
        ),
    ),
)


def _ensure_areas() -> dict[str, BusinessArea]:
    for order, area in enumerate(NATIONAL_AREAS, start=1):
        BusinessArea.objects.get_or_create(
            code=area.code,
            defaults={"name": area.name, "name_en": area.name_en, "national": True, "order": order},
        )
    for order, (code, name, name_en, _topics) in enumerate(data.OWN_AREAS, start=101):
        BusinessArea.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "national": False, "order": order},
        )
    return {a.code: a for a in BusinessArea.objects.all()}


def _topics(area: BusinessArea) -> list[str]:
    if area.national:
        return list(data.NATIONAL_TOPICS.get(area.code, []))
    for code, _n, _e, topics in data.OWN_AREAS:
        if code == area.code:
            return list(topics)
    return []


def _staff_of(org_ids: Sequence[int]) -> dict[int, User]:
    """One staff member per organisation (the demo's ``<slug>-staff``), when it exists."""
    out: dict[int, User] = {}
    for user in User.objects.filter(
        organization_id__in=list(org_ids), role=Role.MUNI_STAFF, is_active=True
    ).order_by("username"):
        out.setdefault(user.organization_id, user)
    return out


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _months_ago(today: dt.date, rng: random.Random, lo: int, hi: int) -> dt.date:
    return today - dt.timedelta(days=rng.randint(lo * 30, hi * 30))


class _Builder:
    """Writes one group's history (bulk inserts, no audit: this happened before the platform)."""

    def __init__(self, spec: GroupSpec, areas: dict[str, BusinessArea], today: dt.date) -> None:
        self.spec = spec
        self.areas = areas
        self.today = today
        self.rng = random.Random(f"consortium-{spec.slug}-20261122")  # noqa: S311 - demo data
        self.orgs = {
            o.code: o
            for o in Organization.objects.filter(
                code__in=[*spec.members, *(c for c, _d in spec.joining)]
            )
        }
        self.staff = _staff_of([o.pk for o in self.orgs.values()])
        self.number = 0
        self.now = timezone.now()

    # ------------------------------------------------------------------ structure
    def group(self) -> JointUseGroup:
        s = self.spec
        group = JointUseGroup.objects.create(
            slug=s.slug,
            name=s.name,
            name_en=s.name_en,
            prefix=s.prefix,
            description=s.description,
            package=s.package,
            agreed_on=s.agreed_on,
            secretariat=self.orgs[s.secretariat],
            quorum_percent=s.quorum_percent,
            created_at=self.now,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    group=group,
                    organization=self.orgs[code],
                    status=Membership.Status.MEMBER,
                    joined_on=s.agreed_on,
                    council_representative="市長" if self.orgs[code].kind == "市" else "町村長",
                )
                for code in s.members
            ]
            + [
                Membership(
                    group=group,
                    organization=self.orgs[code],
                    status=Membership.Status.JOINING,
                    joined_on=dt.date(2022, 8, 1),
                    cut_over_on=cut_over,
                    council_representative="市長",
                )
                for code, cut_over in s.joining
            ]
        )
        chair = self.orgs[s.members[0]]
        GovernanceBody.objects.bulk_create(
            [
                GovernanceBody(
                    group=group,
                    kind=GovernanceBody.Kind.COUNCIL,
                    name=f"{s.name}協議会",
                    chair=chair,
                    composition="構成団体の首長（加入予定団体はオブザーバー）",
                    meets="年2回",
                ),
                GovernanceBody(
                    group=group,
                    kind=GovernanceBody.Kind.SECRETARIAT,
                    name=f"{s.name}事務局",
                    chair=self.orgs[s.secretariat],
                    composition="各団体の情報主管課",
                    meets="毎月",
                ),
                GovernanceBody(
                    group=group,
                    kind=GovernanceBody.Kind.COMMITTEE,
                    name="情報主管課長会",
                    chair=self.orgs[s.secretariat],
                    composition="各団体の情報主管課長",
                    meets="隔月",
                ),
            ]
        )
        return group

    def working_groups(self, group: JointUseGroup) -> list[WorkingGroup]:
        members = [self.orgs[c] for c in self.spec.members]
        # 日野市 leads every third working group of 東京自治体クラウド (round robin).
        wgs = [
            WorkingGroup(
                group=group,
                number=n,
                name=self.areas[code].name,
                area=self.areas[code],
                lead=members[(n - 1) % len(members)],
                lead_contact=data.DEPARTMENTS.get(members[(n - 1) % len(members)].code, ""),
                description=f"{self.areas[code].name}に関する運用の統一と差異の解消",
            )
            for n, code in enumerate(self.spec.areas, start=1)
        ]
        WorkingGroup.objects.bulk_create(wgs)
        return list(
            WorkingGroup.objects.filter(group=group)
            .select_related("area", "lead")
            .order_by("number")
        )

    # ------------------------------------------------------------------ items
    def items(self, group: JointUseGroup, wgs: list[WorkingGroup]) -> list[HarmonisationItem]:
        rng = self.rng
        rows: list[tuple[HarmonisationItem, dict[str, tuple[str, str, str]]]] = []
        member_codes = list(self.spec.members)
        joining_codes = [c for c, _d in self.spec.joining]
        for wg in wgs:
            topics = _topics(wg.area)
            generic = rng.sample(
                GENERIC_TOPICS,
                k=self.spec.generic_per_area
                + (2 if wg.area.national and self.spec.generic_per_area else 0),
            )
            titles = topics + [f"{wg.area.name}：{g}" for g in generic]
            if not self.spec.customise:
                titles = titles[:3]
            for title in titles:
                rows.append(self._item(group, wg, title, member_codes, joining_codes))
        HarmonisationItem.objects.bulk_create([r[0] for r in rows])
        saved = {
            i.number: i
            for i in HarmonisationItem.objects.filter(group=group).select_related("working_group")
        }
        positions = []
        for item, stances in rows:
            for code, (stance, reason, practice) in stances.items():
                filed = stance != ""
                positions.append(
                    Position(
                        item=saved[item.number],
                        organization=self.orgs[code],
                        stance=stance,
                        reason=reason,
                        current_practice=practice,
                        filed_by=self.staff.get(self.orgs[code].pk) if filed else None,
                        filed_at=item.created_at + dt.timedelta(days=rng.randint(3, 40))
                        if filed
                        else None,
                    )
                )
        Position.objects.bulk_create(positions)
        JointUseGroup.objects.filter(pk=group.pk).update(item_seq=self.number)
        return list(saved.values())

    def _stance(self, *, lean: str) -> str:
        if not self.spec.customise:
            return "adopt"
        r = self.rng.random()
        if r < 0.68:
            return lean
        return self.rng.choice(["adopt", "keep", "customise"])

    def _reason(self, stance: str) -> str:
        bank = {
            "adopt": data.ADOPT_REASONS,
            "keep": data.KEEP_REASONS,
            "customise": data.CUSTOMISE_REASONS,
        }[stance]
        return self.rng.choice(bank)

    def _item(
        self,
        group: JointUseGroup,
        wg: WorkingGroup,
        title: str,
        member_codes: list[str],
        joining_codes: list[str],
    ) -> tuple[HarmonisationItem, dict[str, tuple[str, str, str]]]:
        rng = self.rng
        self.number += 1
        created = _months_ago(self.today, rng, 1, 30)
        r = rng.random()
        if not self.spec.customise:
            status = "decided" if r < 0.85 else "open"
        else:
            status = (
                "decided"
                if r < 0.48
                else "discussion"
                if r < 0.63
                else "open"
                if r < 0.95
                else "withdrawn"
            )
        lean = "adopt" if rng.random() < 0.72 else rng.choice(["keep", "customise"])
        stances: dict[str, tuple[str, str, str]] = {}
        for code in member_codes:
            practice = rng.choice(data.PRACTICES)
            filed = status in ("decided", "withdrawn") or rng.random() < (
                0.75 if status == "discussion" else 0.4
            )
            stance = self._stance(lean=lean) if filed else ""
            stances[code] = (stance, self._reason(stance) if stance else "", practice)
        for code in joining_codes:
            practice = rng.choice(data.PRACTICES)
            stance = ""
            if rng.random() < 0.22 and status != "withdrawn":
                stance = "customise" if rng.random() < 0.25 else self._stance(lean=lean)
            stances[code] = (stance, self._reason(stance) if stance else "", practice)
        filed_stances = [s for s, _r, _p in stances.values() if s]
        decision = ""
        decision_text = ""
        decided_at = None
        decided_by = None
        decided_org = None
        if status == "decided":
            full = [stances[c][0] for c in member_codes]
            decision = max(set(full), key=full.count) if full else "adopt"
            decision_text = rng.choice(data.DECISION_TEXTS[decision])
            # A handful this month, the rest spread over the last year.
            day = (
                self.today - dt.timedelta(days=rng.randint(0, max(0, self.today.day - 1)))
                if rng.random() < 0.08
                else _months_ago(self.today, rng, 1, 12)
            )
            day = max(day, created + dt.timedelta(days=7))
            day = min(day, self.today)
            decided_at = _aware(day, 15)
            decided_org = wg.lead
            decided_by = self.staff.get(wg.lead_id) if wg.lead_id else None
        req_class = ""
        req_id = ""
        if wg.area.national:
            area_no = int(wg.area.code[1:3])
            req_id = f"{area_no:03d}{rng.randint(1, 320):04d}"
            req_class = rng.choices(["mandatory", "option", "not_allowed"], [60, 35, 5])[0]
        blocking = status != "withdrawn" and rng.random() < 0.1
        cut_over = min((d for _c, d in self.spec.joining), default=None)
        if status == "decided":
            due = (decided_at.date() if decided_at else self.today) - dt.timedelta(
                days=rng.randint(0, 20)
            )
        elif rng.random() < 0.12:
            due = None
        else:
            due = self.today + dt.timedelta(days=rng.randint(10, 320))
        if blocking and cut_over is not None and (due is None or due > cut_over):
            due = cut_over - dt.timedelta(days=rng.randint(30, 200))
        customise_any = "customise" in filed_stances or decision == "customise"
        item = HarmonisationItem(
            group=group,
            working_group=wg,
            number=self.number,
            title=title,
            requirement_id=req_id,
            requirement_class=req_class,
            package_behaviour=rng.choice(data.PACKAGE_PHRASES),
            status=status,
            due_on=due,
            blocking=blocking,
            cost_impact_yen=rng.choice([800_000, 1_500_000, 3_200_000, 6_000_000])
            if customise_any
            else None,
            ordinance_change=decision == "adopt" and rng.random() < 0.08,
            impact_note="要綱・様式の改正" if decision == "adopt" and rng.random() < 0.2 else "",
            decision=decision,
            decision_text=decision_text,
            decided_by=decided_by,
            decided_org=decided_org,
            decided_at=decided_at,
            raised_by_org=wg.lead,
            created_by=self.staff.get(wg.lead_id) if wg.lead_id else None,
            created_at=_aware(created, 9),
            updated_at=decided_at or _aware(created, 9),
        )
        return item, stances

    # ------------------------------------------------------------------ meetings
    def meetings(self, group: JointUseGroup, wgs: list[WorkingGroup]) -> int:
        rng = self.rng
        items = list(HarmonisationItem.objects.filter(group=group).order_by("number"))
        by_wg: dict[int, list[HarmonisationItem]] = {}
        for item in items:
            by_wg.setdefault(item.working_group_id, []).append(item)
        made = 0
        actions: list[FollowUpAction] = []
        parties = [self.orgs[c] for c in [*self.spec.members, *(c for c, _d in self.spec.joining)]]
        for wg in wgs:
            decided = [i for i in by_wg.get(wg.pk, []) if i.status == "decided"]
            open_items = [i for i in by_wg.get(wg.pk, []) if i.status in ("open", "discussion")]
            n_held = 1 + (len(decided) > 3) + (rng.random() < 0.3)
            for k in range(n_held):
                day = self.today - dt.timedelta(days=30 * (k + 1) + rng.randint(0, 20))
                meeting = Meeting.objects.create(
                    working_group=wg,
                    held_on=day,
                    title=f"{wg.name}WG 第{n_held - k}回",
                    location=rng.choice(
                        [
                            "オンライン（Teams）",
                            "立川市役所 会議室",
                            "三鷹市役所 会議室",
                            "日野市役所 会議室",
                        ]
                    ),
                    status=Meeting.Status.HELD,
                    minutes=(
                        f"出席：{'、'.join(o.name for o in parties)}\n"
                        "1. 前回の宿題の確認\n2. 差異項目の協議（下記の議題）\n"
                        "3. 次回までの作業の確認"
                    ),
                    minutes_by=self.staff.get(wg.lead_id) if wg.lead_id else None,
                    created_by=self.staff.get(wg.lead_id) if wg.lead_id else None,
                    created_at=_aware(day - dt.timedelta(days=14)),
                )
                made += 1
                chosen = decided[k::n_held][:4]
                AgendaEntry.objects.bulk_create(
                    AgendaEntry(meeting=meeting, item=i, order=n, outcome=i.decision_text[:400])
                    for n, i in enumerate(chosen, start=1)
                )
                HarmonisationItem.objects.filter(pk__in=[i.pk for i in chosen]).update(
                    decided_in=meeting
                )
                if rng.random() < 0.5:
                    owner = rng.choice(parties)
                    actions.append(
                        FollowUpAction(
                            group=group,
                            meeting=meeting,
                            item=chosen[0] if chosen else None,
                            title=rng.choice(
                                [
                                    "現行の帳票様式を持ち寄る",
                                    "条例・規則の改正案を作成する",
                                    "住民周知の文案を作成する",
                                    "現行運用の件数を調べる",
                                    "ベンダーに見積りを依頼する",
                                ]
                            ),
                            owner=owner,
                            due_on=day + dt.timedelta(days=rng.randint(20, 70)),
                            done_at=_aware(day + dt.timedelta(days=15))
                            if rng.random() < 0.6
                            else None,
                            created_by=self.staff.get(wg.lead_id) if wg.lead_id else None,
                            created_at=_aware(day),
                        )
                    )
            if open_items and rng.random() < 0.35:
                day = self.today + dt.timedelta(days=rng.randint(5, 40))
                meeting = Meeting.objects.create(
                    working_group=wg,
                    held_on=day,
                    title=f"{wg.name}WG 第{n_held + 1}回",
                    location="オンライン（Teams）",
                    created_by=self.staff.get(wg.lead_id) if wg.lead_id else None,
                    created_at=self.now,
                )
                made += 1
                chosen = open_items[:3]
                AgendaEntry.objects.bulk_create(
                    AgendaEntry(meeting=meeting, item=i, order=n)
                    for n, i in enumerate(chosen, start=1)
                )
                HarmonisationItem.objects.filter(
                    pk__in=[i.pk for i in chosen], status="open"
                ).update(status="discussion")
        FollowUpAction.objects.bulk_create(actions)
        return made

    def ready_meeting(self, group: JointUseGroup, wgs: list[WorkingGroup]) -> None:
        """A meeting planned next week in the first 日野市-led working group, with two items
        every full member has positioned on (so the lead can decide them)."""
        hino = self.orgs.get(HINO)
        wg = None
        items: list[HarmonisationItem] = []
        for candidate in wgs:
            if hino is None or candidate.lead_id != hino.pk:
                continue
            items = list(
                HarmonisationItem.objects.filter(
                    working_group=candidate, status__in=["open", "discussion"], blocking=False
                ).order_by("number")[:2]
            )
            if len(items) == 2:
                wg = candidate
                break
        if wg is None:
            return
        for item in items:
            for code in self.spec.members:
                Position.objects.filter(item=item, organization=self.orgs[code], stance="").update(
                    stance="adopt",
                    reason=data.ADOPT_REASONS[0],
                    filed_by=self.staff.get(self.orgs[code].pk),
                    filed_at=self.now - dt.timedelta(days=5),
                )
        day = self.today + dt.timedelta(days=7)
        meeting = Meeting.objects.create(
            working_group=wg,
            held_on=day,
            title=f"{wg.name}WG 臨時会（判断事項）",
            location="日野市役所 会議室",
            created_by=self.staff.get(wg.lead_id) if wg.lead_id else None,
            created_at=self.now,
        )
        AgendaEntry.objects.bulk_create(
            AgendaEntry(meeting=meeting, item=i, order=n) for n, i in enumerate(items, start=1)
        )
        HarmonisationItem.objects.filter(pk__in=[i.pk for i in items]).update(status="discussion")

    def overdue_blocker(self, group: JointUseGroup) -> None:
        """One blocking item left open past its due date: the onboarding alert."""
        item = (
            HarmonisationItem.objects.filter(group=group, status__in=["open", "discussion"])
            .order_by("number")
            .first()
        )
        if item is None or not self.spec.joining:
            return
        HarmonisationItem.objects.filter(pk=item.pk).update(
            blocking=True,
            due_on=self.today - dt.timedelta(days=14),
            note="移行データの作成に影響するため、加入前に決定が必要。",
        )

    # ------------------------------------------------------------------ progress
    def progress(self, group: JointUseGroup, wgs: list[WorkingGroup]) -> int:
        rng = self.rng
        rows = []
        for code in [*self.spec.members, *(c for c, _d in self.spec.joining)]:
            org = self.orgs[code]
            joining = code not in self.spec.members
            for wg in wgs:
                if not wg.area.national:
                    continue
                done = rng.randint(8, 20) if joining else rng.randint(24, 37)
                doing = rng.randint(1, 3)
                for step in range(1, min(STEP_COUNT, done + doing) + 1):
                    rows.append(
                        StepProgress(
                            group=group,
                            organization=org,
                            area=wg.area,
                            step=step,
                            status="done" if step <= done else "doing",
                            updated_by=self.staff.get(org.pk),
                            updated_at=_aware(
                                self.today - dt.timedelta(days=max(1, (done - step) * 9))
                            ),
                        )
                    )
        StepProgress.objects.bulk_create(rows)
        return len(rows)


class _Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


def consortium_seed(
    *, stdout: _Writer | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """Create the demo groups that do not exist yet (idempotent); return what was created."""
    today = today or timezone.localdate()
    created: dict[str, Any] = {"groups": 0, "working_groups": 0, "items": 0, "meetings": 0}
    with transaction.atomic():
        areas = _ensure_areas()
        for spec in SPECS:
            if JointUseGroup.objects.filter(slug=spec.slug).exists():
                continue
            b = _Builder(spec, areas, today)
            group = b.group()
            wgs = b.working_groups(group)
            items = b.items(group, wgs)
            b.overdue_blocker(group)
            meetings = b.meetings(group, wgs)
            if spec.slug == "tjc":
                b.ready_meeting(group, wgs)
                meetings += 1
            b.progress(group, wgs)
            created["groups"] += 1
            created["working_groups"] += len(wgs)
            created["items"] += len(items)
            created["meetings"] += meetings
    if stdout is not None:
        stdout.write(
            f"Joint-use groups: {created['groups']} new, {created['working_groups']} working"
            f" groups, {created['items']} items, {created['meetings']} meetings.\n"
        )
    return created
