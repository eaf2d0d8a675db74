"""Demo data for the shared experts: about 80 experts, DX leaders in every municipality, and two
years of requests (about 300) with assignments, visits, reports, artifacts and their reuse, the
cost ledger and follow-ups. Everything is invented; it is deterministic per run.

History is written directly (it happened before the platform existed); the current month's open
requests then go through a real matching run, so the demo shows live proposals.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from tsunagu.accounts.models import User
from tsunagu.core.models import Organization
from tsunagu.core.roles import Role

from . import adapters, services
from .models import (
    ArtifactReuse,
    Assignment,
    DxLeader,
    Expert,
    ExpertBlackout,
    ExpertConflict,
    ExpertSkill,
    FollowUp,
    KnowledgeArtifact,
    LeaderCompetency,
    RequestSkill,
    SupportRequest,
    TrainingRecord,
    Visit,
)

TOKYO = "130001"
FAMILY = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "清水",
    "山崎",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "前田",
    "藤田",
    "小川",
    "岡田",
    "後藤",
]
GIVEN = [
    "健一",
    "美咲",
    "大輔",
    "由美",
    "翔太",
    "真理",
    "拓也",
    "彩",
    "直樹",
    "恵",
    "誠",
    "愛",
    "浩二",
    "陽子",
    "亮",
    "千尋",
    "聡",
    "麻衣",
    "剛",
    "理恵",
]
HEADLINES = {
    "cio": "元政令市CIO補佐官。DX推進計画と庁内体制づくり",
    "bpr": "業務改革コンサルタント。窓口改革・業務量調査の実績多数",
    "web_ux": "UXデザイナー。電子申請フォームとウェブアクセシビリティ",
    "security": "情報セキュリティ専門家。ポリシー改定とインシデント対応",
    "network": "ネットワークエンジニア。三層分離の見直しと庁内Wi-Fi",
    "cloud": "クラウドアーキテクト。SaaS導入とガバメントクラウド",
    "standardisation": "標準化・ガバメントクラウド移行の支援",
    "data": "データサイエンティスト。EBPMとオープンデータ",
    "procurement": "IT調達アドバイザー。仕様書とベンダー選定",
    "ai": "生成AIの業務活用と利用ガイドライン",
    "pr": "広報・SNS発信のアドバイザー",
    "co_creation": "公民連携・スタートアップ協働のコーディネーター",
}
PROBLEMS = {
    "cio": (
        "DX推進計画の見直し",
        "DX推進計画を見直したいが、庁内の推進体制と優先順位の付け方が分からない。",
    ),
    "bpr": (
        "窓口業務の改革",
        "窓口の手続きが紙中心で職員の負担が大きい。書かない窓口と業務フローの見直しを進めたい。",
    ),
    "web_ux": (
        "電子申請フォームの改善",
        "電子申請の入力フォームが分かりにくく、途中でやめる住民が多い。ホームページのアクセシビリティも改善したい。",
    ),
    "security": (
        "情報セキュリティポリシー改定",
        "ガイドライン改定に合わせて情報セキュリティポリシーを改定し、標的型メール訓練も見直したい。",
    ),
    "network": (
        "庁内ネットワーク更新",
        "来年度の庁内ネットワーク更新で三層分離の見直しと庁内Wi-Fiの整備を検討している。",
    ),
    "cloud": ("SaaS導入の検討", "グループウェアのクラウド移行とSaaS導入の進め方を相談したい。"),
    "standardisation": (
        "標準化対応",
        "基幹業務システムの標準化とガバメントクラウド移行の計画づくりを支援してほしい。",
    ),
    "data": (
        "データ活用・EBPM",
        "統計データを政策立案に生かしたい。ダッシュボードとオープンデータの整備も課題。",
    ),
    "procurement": (
        "システム調達の仕様書",
        "次期システムの仕様書と調達の進め方、ベンダー選定の評価基準を相談したい。",
    ),
    "ai": (
        "生成AIの業務活用",
        "生成AIを議事録作成や文書作成に使いたいが、利用ガイドラインがない。",
    ),
    "pr": ("広報・SNS発信", "市の広報とSNS発信を強化したいが、担当者のノウハウが足りない。"),
    "co_creation": ("公民連携の推進", "地域課題の解決にスタートアップとの協働を進めたい。"),
}
DEPARTMENTS = [
    "市民課",
    "税務課",
    "福祉課",
    "子育て支援課",
    "企画政策課",
    "総務課",
    "情報政策課",
    "環境課",
]
COURSES = [
    "自治体DX推進リーダー研修",
    "BPR基礎講座",
    "データ活用入門",
    "情報セキュリティ研修",
    "デザイン思考ワークショップ",
]


def _user(username: str, name: str, pw_hash: str, tokyo: Organization) -> User:
    from tsunagu.accounts.services import user_create

    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return user_create(
        actor=None,
        username=username,
        organization_id=tokyo.pk,
        role=Role.EXPERT,
        email=f"{username}@experts.example.jp",
        display_name=name,
        display_name_kana="",
        department="外部専門人材",
        job_title="専門人材",
        password_hash=pw_hash,
    )


def talent_seed(*, password: str, today: dt.date | None = None) -> dict[str, int]:
    """Seed once (does nothing when experts exist)."""
    if Expert.objects.exists():
        return {"experts": 0, "requests": 0}
    today = today or timezone.localdate()
    rng = random.Random(20261122)  # noqa: S311 - demo data, not security
    skills = list(adapters.taxonomy().ids())
    tokyo = Organization.objects.get(code=TOKYO)
    munis = list(Organization.objects.exclude(code=TOKYO).order_by("code"))
    pw_hash = make_password(password)
    now = timezone.now()
    coordinator = User.objects.filter(role=Role.TOKYO_COORDINATOR).first()
    with transaction.atomic():
        _experts(rng, skills, tokyo, munis, pw_hash, coordinator, now, today)
        # Read back once with their skills (creation order kept: the history is deterministic).
        experts = list(Expert.objects.prefetch_related("skills").order_by("pk"))
        from .search_docs import expert_index

        expert_index(experts)
        leaders = _leaders(rng, munis, today)
        n_requests = _history(rng, skills, munis, experts, leaders, today)
    if coordinator is not None:
        services.matching_run(actor=coordinator, month=today, time_limit_s=10)
    return {"experts": len(experts), "requests": n_requests}


def _experts(
    rng: random.Random,
    skills: list[str],
    tokyo: Organization,
    munis: list[Organization],
    pw_hash: str,
    coordinator: User | None,
    now: dt.datetime,
    today: dt.date,
) -> list[Expert]:
    specials = [
        ("expert-kobayashi", "小林 真理", {"bpr": 5, "data": 3}, "tama_east", 8),
        ("expert-yamada", "山田 聡", {"security": 5, "network": 4, "cio": 3}, "23ku", 6),
    ]
    out: list[Expert] = []
    for i in range(80):
        if i < len(specials):
            username, name, sk, area, cap = specials[i]
        else:
            username = f"expert-e{i:02d}"
            name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
            main = skills[i % len(skills)]
            sk = {main: rng.choice([3, 4, 4, 5])}
            for extra in rng.sample(skills, rng.choice([0, 1, 2])):
                sk.setdefault(extra, rng.choice([2, 3, 3, 4]))
            area = rng.choices(["23ku", "tama_east", "tama_west", "islands"], [55, 30, 12, 3])[0]
            cap = rng.choice([2, 4, 4, 6, 8])
        user = _user(username, name, pw_hash, tokyo)
        main_skill = max(sk, key=lambda s: sk[s])
        expert = Expert.objects.create(
            user=user,
            name=name,
            headline=HEADLINES.get(main_skill, ""),
            bio=f"{HEADLINES.get(main_skill, '')}。"
            "自治体支援の経験を生かし、職員と一緒に手を動かします。",
            area=area,
            engagement=rng.choice(
                ["commission", "commission", "side_job", "fixed_term", "dispatched"]
            ),
            onsite=rng.random() > 0.1,
            online=True,
            capacity=cap,
            max_orgs=rng.choice([3, 4, 5]),
            rate_onsite=rng.choice([50000, 60000, 80000]),
            rate_online=rng.choice([25000, 30000, 40000]),
            created_at=now,
        )
        for s, lvl in sk.items():
            confirmed = rng.random() < 0.6
            ExpertSkill.objects.create(
                expert=expert,
                skill=s,
                level=lvl,
                confirmed_by=coordinator if confirmed else None,
                confirmed_at=now if confirmed else None,
                evidence="過去の支援実績と面談で確認" if confirmed else "",
            )
        if rng.random() < 0.1 and i >= len(specials):
            org = rng.choice(munis)
            ExpertConflict.objects.create(
                expert=expert, organization=org, reason="同団体の現行システム受託事業者に在籍"
            )
        if rng.random() < 0.08 and i >= len(specials):
            start = today + dt.timedelta(days=rng.randint(10, 60))
            ExpertBlackout.objects.create(
                expert=expert, start=start, end=start + dt.timedelta(days=14), note="本業の繁忙期"
            )
        out.append(expert)
    return out


def _leaders(
    rng: random.Random, munis: list[Organization], today: dt.date
) -> dict[int, list[DxLeader]]:
    out: dict[int, list[DxLeader]] = {}
    for org in munis:
        n = rng.choice([1, 2, 2, 3, 4])
        rows = []
        for _ in range(n):
            appointed = today - dt.timedelta(days=rng.randint(60, 900))
            left = (
                appointed + dt.timedelta(days=rng.randint(200, 700)) if rng.random() < 0.2 else None
            )
            if left is not None and left >= today:
                left = None
            lead = DxLeader.objects.create(
                organization=org,
                name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
                department=rng.choice(DEPARTMENTS),
                appointed_on=appointed,
                left_on=left,
            )
            if rng.random() < 0.7:
                TrainingRecord.objects.create(
                    leader=lead,
                    course=rng.choice(COURSES),
                    completed_on=appointed + dt.timedelta(days=rng.randint(10, 120)),
                    hours=rng.choice([3, 6, 12]),
                )
            rows.append(lead)
        out[org.pk] = rows
    return out


def _months(start: dt.date, count: int) -> list[dt.date]:
    out, m = [], start.replace(day=1)
    for _ in range(count):
        out.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return out


def _best_expert(
    rng: random.Random,
    experts: list[Expert],
    wanted: dict[str, int],
    months: list[dt.date],
    visits: int,
    load: dict[tuple[int, dt.date], int],
    exclude: int | None = None,
) -> Expert | None:
    """A qualified expert with room for ``visits`` a month in every month (the history respects
    capacity, as the real matching does)."""
    fits = []
    for e in experts:
        if e.pk == exclude:
            continue
        have = {s.skill: s.level for s in e.skills.all()}
        if not all(have.get(s, 0) >= lv for s, lv in wanted.items()):
            continue
        if all(load.get((e.pk, m), 0) + visits <= e.capacity for m in months):
            fits.append(e)
    return rng.choice(fits) if fits else None


def _history(
    rng: random.Random,
    skills: list[str],
    munis: list[Organization],
    experts: list[Expert],
    leaders: dict[int, list[DxLeader]],
    today: dt.date,
) -> int:
    weights = [3 if o.kind in ("区", "市") else 1 for o in munis]
    people: dict[int, User] = {}  # the first account of each organisation files its requests
    for user in User.objects.order_by("pk"):
        people.setdefault(user.organization_id, user)
    fallback = next(iter(people.values()))
    first_day = today - dt.timedelta(days=730)
    made = 0
    artifacts: list[KnowledgeArtifact] = []
    months_closed: set[dt.date] = set()
    load: dict[tuple[int, dt.date], int] = {}
    for i in range(300):
        org = rng.choices(munis, weights)[0]
        if org.code == "132101" and i > 280:
            org = munis[0]  # keep 小金井市's current slate clean for the walkthrough
        main = rng.choice(skills)
        wanted = {main: rng.choice([2, 3, 3])}
        if rng.random() < 0.3:
            wanted[rng.choice(skills)] = 2
        title, problem = PROBLEMS.get(main, (main, main))
        created = first_day + dt.timedelta(days=int(730 * i / 300) + rng.randint(0, 3))
        created_at = timezone.make_aware(dt.datetime.combine(created, dt.time(10, 0)))
        open_now = i >= 275
        months = rng.choice([3, 6, 6, 12])
        req = SupportRequest.objects.create(
            organization=org,
            created_by=people.get(org.pk, fallback),
            title=title,
            problem=problem,
            mode=rng.choice(["either", "either", "onsite", "online"]),
            visits_per_month=rng.choice([1, 1, 2, 2, 3]),
            start_month=(created + dt.timedelta(days=20)).replace(day=1),
            months=months,
            urgency=rng.choice([1, 2, 2, 3]),
            dx_leader=rng.choice(leaders[org.pk]) if leaders.get(org.pk) else None,
            state=SupportRequest.State.SUBMITTED,
            created_at=created_at,
            submitted_at=created_at,
        )
        for s, lv in wanted.items():
            RequestSkill.objects.get_or_create(request=req, skill=s, defaults={"min_level": lv})
        made += 1
        if open_now:
            continue
        period = _months(req.start_month, months)
        expert = _best_expert(rng, experts, wanted, period, req.visits_per_month, load)
        if expert is None or rng.random() < 0.05:
            req.state = SupportRequest.State.CANCELLED
            req.closed_at = created_at + dt.timedelta(days=30)
            req.save(update_fields=["state", "closed_at"])
            continue
        proposed = created_at + dt.timedelta(days=rng.randint(2, 12))
        matched = proposed + dt.timedelta(days=rng.randint(1, 5))
        asg = Assignment.objects.create(request=req, expert=expert, started_on=matched.date())
        # Now and then an expert leaves a project halfway and another takes over.
        switch_at = period[len(period) // 2] if months >= 6 and rng.random() < 0.08 else None
        second: Assignment | None = None
        if switch_at is not None:
            rest = [m for m in period if m >= switch_at]
            other = _best_expert(
                rng, experts, wanted, rest, req.visits_per_month, load, exclude=expert.pk
            )
            if other is not None and switch_at < today:
                second = Assignment(request=req, expert=other, started_on=switch_at)
            else:
                switch_at = None
        for m in period:
            who = second.expert if second is not None and switch_at and m >= switch_at else expert
            load[(who.pk, m)] = load.get((who.pk, m), 0) + req.visits_per_month
        if second is not None:
            asg.ended_on = switch_at
            asg.save(update_fields=["ended_on"])
            second.save()
        end = req.start_month + dt.timedelta(days=31 * months)
        visits = []
        day = max(req.start_month, matched.date() + dt.timedelta(days=3))
        while day < min(end, today):
            for k in range(req.visits_per_month):
                vd = day + dt.timedelta(days=3 + 10 * k)
                if vd >= today or vd.month != day.month:
                    break
                visits.append(
                    Visit(
                        assignment=second
                        if second is not None and switch_at and vd >= switch_at
                        else asg,
                        date=vd,
                        mode="onsite"
                        if req.mode == "onsite"
                        or (req.mode == "either" and expert.onsite and rng.random() < 0.6)
                        else "online",
                        state=Visit.State.REPORTED,
                        report="課題の整理と次回までの宿題を確認した。担当者と業務フローを一緒に見直した。",
                        report_due=vd + dt.timedelta(days=7),
                        reported_at=timezone.make_aware(
                            dt.datetime.combine(
                                vd + dt.timedelta(days=rng.randint(1, 6)), dt.time(17)
                            )
                        ),
                        leader_present=req.dx_leader_id is not None,
                    )
                )
            day = (day + dt.timedelta(days=32)).replace(day=1)
        Visit.objects.bulk_create(visits)
        saved = list(Visit.objects.filter(assignment__request=req).order_by("date"))
        for v in saved:
            services.ledger_post_visit(visit=v)
            months_closed.add(v.date.replace(day=1))
        if saved:
            req.first_visit_on = saved[0].date
            if rng.random() < 0.35:
                art = KnowledgeArtifact.objects.create(
                    visit=saved[0],
                    organization=org,
                    expert=expert,
                    title=f"{title}の進め方（{org.name}版）",
                    kind=rng.choice(["document", "template", "checklist"]),
                    skill=main,
                    summary=f"{title}で作成した"
                    f"{rng.choice(['手順書', 'チェックリスト', 'ひな形'])}。",
                    created_at=timezone.make_aware(dt.datetime.combine(saved[0].date, dt.time(18))),
                )
                artifacts.append(art)
            if req.dx_leader_id and rng.random() < 0.5:
                LeaderCompetency.objects.create(
                    leader_id=req.dx_leader_id,
                    skill=main,
                    level=rng.choice([2, 3]),
                    expert=expert,
                    visit=saved[-1],
                    confirmed_on=saved[-1].date,
                )
        finished = end <= today
        req.state = SupportRequest.State.CLOSED if finished else SupportRequest.State.ACTIVE
        req.proposed_at = proposed
        req.matched_at = matched
        if finished:
            req.closed_at = timezone.make_aware(dt.datetime.combine(end, dt.time(12)))
            req.satisfaction = rng.choice([3, 4, 4, 5, 5])
            Assignment.objects.filter(request=req, ended_on__isnull=True).update(ended_on=end)
        req.save()
        fu_due = matched.date() + dt.timedelta(days=365)
        FollowUp.objects.create(
            request=req,
            due_on=fu_due,
            sent_at=timezone.make_aware(dt.datetime.combine(fu_due, dt.time(9)))
            if fu_due <= today
            else None,
            answered_at=timezone.make_aware(
                dt.datetime.combine(fu_due + dt.timedelta(days=10), dt.time(9))
            )
            if fu_due + dt.timedelta(days=10) <= today and rng.random() < 0.6
            else None,
            outcome="窓口の待ち時間が短くなり、職員の残業も減った。" if fu_due <= today else "",
            rating=rng.choice([3, 4, 5]) if fu_due <= today else None,
        )
    reusers = [o for o in munis]
    for art in artifacts:
        for org in rng.sample(reusers, rng.choice([0, 0, 1, 1, 2, 3])):
            if org.pk == art.organization_id:
                continue
            ArtifactReuse.objects.get_or_create(
                artifact=art,
                organization=org,
                defaults={
                    "reused_by": people.get(org.pk, fallback),
                    "note": "自団体向けに一部修正して利用",
                    "created_at": art.created_at + dt.timedelta(days=rng.randint(10, 90)),
                },
            )
    for month in sorted(months_closed):
        services.ledger_close_month(month=month)
    return made
