"""Demo data for the forum: the two CIO-forum roundtables of the seed articles as held meetings
(the platform's own summary and a link-style reference to the original — never its prose), a
held forum meeting with follow-up actions, the next scheduled forum meeting about six weeks
ahead, about forty peer projects across organisations and topics, articles and Q&A threads.

Everything goes through the services (audit trail and search index included). Each item is
keyed by a natural key and created only when missing, so running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TextIO

from django.utils import timezone

from tsunagu.accounts.models import User
from tsunagu.core.models import Organization

from . import services
from .models import Answer, Article, ConnectRequest, Meeting, MeetingKind, Project, Question

TOKYO = "130001"
MAGAZINE = "東京都・区市町村CIOフォーラムマガジン"
PUBLISHER = "東京都デジタルサービス局"


@dataclass(frozen=True)
class P:
    """One demo project."""

    org: str  # slug
    title: str
    topic: str
    stage: str
    start: str  # YYYY-MM, or +N: months from today
    end: str = ""
    scale: int | None = None
    vendors: str = ""
    cost: str = "undisclosed"
    model: str = "alpha"
    after: str = ""
    welcomes: bool = True
    own_only: bool = False
    summary: str = ""
    lessons: str = ""


NR, REL, PAPER, WIFI, DISP, WEB, TELE, CLOUD, STD = (
    "network_renewal",
    "office_relocation",
    "paperless",
    "wifi",
    "large_displays",
    "web_meetings",
    "telework",
    "joint_cloud",
    "standardisation",
)

PROJECTS: tuple[P, ...] = (
    # --- network renewal: 小金井市 is about to; several did it
    P(
        "koganei",
        "庁内ネットワーク更新（各自の端末から外部へ）",
        NR,
        "planned",
        "+5",
        "+11",
        1100,
        "",
        "100m_500m",
        "alpha",
        "beta_prime",
        summary="LGWAN中心の現行環境から、職員一人ひとりの端末でインターネット上のサービスも"
        "使える環境へ移行する。庁内無線LANとWeb会議の利用も前提に設計する。",
        lessons="計画段階。更新済みの団体に、仕様の粒度と移行時の端末運用を聞きたい。",
    ),
    P(
        "musashino",
        "庁内ネットワーク再構築（β′モデルへの移行）",
        NR,
        "live",
        "2023-10",
        "2024-10",
        1300,
        "A社（構築）・B社（保守）",
        "100m_500m",
        "alpha",
        "beta_prime",
        summary="三層の対策を見直し、β′モデルに移行。業務端末からのSaaS利用とテレワークを可能にした。",
        lessons="端末の構成管理と認証基盤を先に固めると移行がぶれない。庁内説明会は部門別に3回。"
        "セキュリティクラウドの変更申請は早めに準備すること。",
    ),
    P(
        "tachikawa",
        "基幹ネットワーク更新とログイン認証の刷新",
        NR,
        "live",
        "2022-04",
        "2023-03",
        1600,
        "C社",
        "100m_500m",
        "alpha",
        "",
        summary="名札一体型ICカードによるログイン認証を継続しつつ、老朽化した基幹スイッチを更新。",
        lessons="モデルを変えない更新でも、ポリシー改定の見込みを仕様に織り込んでおくと後が楽。",
    ),
    P(
        "mitaka",
        "ネットワーク更新と庁内無線化",
        NR,
        "building",
        "2025-12",
        "+3",
        1400,
        "D社",
        "100m_500m",
        "alpha",
        "beta_prime",
        summary="β′モデルへの移行と庁内全フロアの無線LAN化を同時に進めている。",
        lessons="無線化は会議室から先行。フロアごとの切替計画を職員向けに早めに周知した。",
    ),
    P(
        "hino",
        "庁内LAN更新",
        NR,
        "live",
        "2021-10",
        "2022-10",
        1000,
        "E社",
        "50m_100m",
        "alpha",
        "beta",
        welcomes=False,
        summary="庁内LANの機器更新と、βモデルへの移行。",
    ),
    P(
        "kokubunji",
        "ネットワーク更新（β′）",
        NR,
        "live",
        "2024-04",
        "2025-01",
        900,
        "A社",
        "50m_100m",
        "alpha",
        "beta_prime",
        summary="規模の近い市の事例を参考に、β′モデルへ移行。",
        lessons="ベンダー選定では移行後の運用サポート体制を重視した。端末の持ち出しルールを同時に改定。",
    ),
    P(
        "nishitokyo",
        "庁内ネットワーク刷新",
        NR,
        "procuring",
        "+2",
        "+14",
        1500,
        "",
        "100m_500m",
        "alpha",
        "beta_prime",
        summary="仕様書を公開し、事業者選定中。",
    ),
    P(
        "setagaya",
        "全庁ネットワーク更新",
        NR,
        "live",
        "2023-04",
        "2024-04",
        8000,
        "F社",
        "over_500m",
        "alpha",
        "beta_prime",
        summary="本庁舎と総合支所を含む全庁のネットワークを更新し、β′モデルへ移行。",
        lessons="規模が大きいため段階移行。先行部署での検証期間を長めに取った。",
    ),
    P(
        "fuchu",
        "ネットワーク更新計画",
        NR,
        "planned",
        "+8",
        "+20",
        1800,
        "",
        "100m_500m",
        "alpha",
        "beta",
        summary="次期更新に向けて要件を整理中。",
    ),
    P(
        "kodaira",
        "ネットワーク更新（内部検討中）",
        NR,
        "building",
        "2026-04",
        "+4",
        1200,
        "",
        "50m_100m",
        "alpha",
        "alpha_prime",
        own_only=True,
        summary="検討内容は庁内限りとしている。",
    ),
    # --- office relocation (庁舎移転)
    P(
        "koganei",
        "新庁舎への移転に合わせた情報環境整備",
        REL,
        "planned",
        "+10",
        "+22",
        1100,
        "",
        "100m_500m",
        "alpha",
        "beta_prime",
        summary="新庁舎への移転を機に、ペーパーレスと柔軟な働き方を前提とした情報環境を整える。",
    ),
    P(
        "toshima",
        "新庁舎移転に伴うフリーアドレス化",
        REL,
        "live",
        "2014-05",
        "2015-05",
        2000,
        "G社",
        "over_500m",
        "alpha",
        "",
        summary="移転を機にフリーアドレスと無線LANを導入。",
        lessons="移転日から逆算して、機器搬入と回線切替を分けて計画すること。",
    ),
    P(
        "machida",
        "新庁舎移転と執務環境の見直し",
        REL,
        "live",
        "2011-04",
        "2012-07",
        2400,
        "H社",
        "over_500m",
        "alpha",
        "",
    ),
    P(
        "hachioji",
        "庁舎移転に向けたネットワーク設計",
        REL,
        "building",
        "2026-01",
        "+8",
        3000,
        "C社",
        "over_500m",
        "alpha",
        "beta_prime",
        summary="移転先の配線設計と無線LANを移転計画と一体で進めている。",
    ),
    P(
        "oshima",
        "庁舎移転に伴う回線の再構成",
        REL,
        "planned",
        "+6",
        "+18",
        150,
        "",
        "under_10m",
        "alpha",
        "",
    ),
    # --- paperless meetings
    P(
        "musashino",
        "ペーパーレス会議システムの導入",
        PAPER,
        "live",
        "2022-10",
        "2023-04",
        300,
        "I社",
        "10m_50m",
        "alpha",
        "",
        lessons="最初は庁議から。資料の作り方（PDF化のルール）を決めてから広げると定着が早い。",
    ),
    P(
        "minato",
        "タブレットによるペーパーレス会議",
        PAPER,
        "live",
        "2021-04",
        "2021-10",
        500,
        "I社",
        "10m_50m",
        "beta",
        "",
    ),
    P(
        "inagi",
        "ペーパーレス会議の全庁展開",
        PAPER,
        "building",
        "2026-06",
        "+2",
        250,
        "J社",
        "under_10m",
        "alpha",
        "",
    ),
    P(
        "okutama",
        "議会と庁議のペーパーレス化",
        PAPER,
        "planned",
        "+4",
        "+9",
        60,
        "",
        "under_10m",
        "alpha",
        "",
    ),
    # --- Wi-Fi
    P(
        "tachikawa",
        "庁内Wi-Fiの整備",
        WIFI,
        "live",
        "2023-04",
        "2023-12",
        1600,
        "C社",
        "10m_50m",
        "alpha",
        "",
        lessons="会議室と窓口周辺を優先。アクセスポイントの設置場所は現地調査で決めること。",
    ),
    P(
        "koganei",
        "庁内無線LANの整備",
        WIFI,
        "planned",
        "+5",
        "+11",
        1100,
        "",
        "10m_50m",
        "alpha",
        "",
    ),
    P(
        "edogawa",
        "本庁舎Wi-Fi整備",
        WIFI,
        "live",
        "2022-04",
        "2022-12",
        4000,
        "K社",
        "50m_100m",
        "beta",
        "",
    ),
    P("hamura", "庁内Wi-Fi導入", WIFI, "procuring", "+1", "+7", 450, "", "under_10m", "alpha", ""),
    # --- large displays
    P(
        "shinjuku",
        "会議室への大型ディスプレイ整備",
        DISP,
        "live",
        "2023-07",
        "2023-11",
        3000,
        "L社",
        "10m_50m",
        "beta",
        "",
        lessons="ケーブル接続と無線投影の両方を用意すると会議の立ち上がりが早い。",
    ),
    P(
        "chofu",
        "大型モニターとWeb会議室の整備",
        DISP,
        "building",
        "2026-08",
        "+2",
        1500,
        "L社",
        "10m_50m",
        "alpha",
        "",
    ),
    # --- web meetings
    P(
        "hino",
        "Web会議環境の整備",
        WEB,
        "live",
        "2021-06",
        "2021-12",
        1000,
        "M社",
        "under_10m",
        "alpha",
        "",
    ),
    P(
        "niijima",
        "本土とのWeb会議環境",
        WEB,
        "live",
        "2022-04",
        "2022-09",
        80,
        "M社",
        "under_10m",
        "alpha",
        "",
        lessons="島しょ部は回線の冗長化が前提。音声優先の設定にすると途切れが減った。",
    ),
    P("mizuho", "Web会議端末の配備", WEB, "planned", "+3", "+6", 200, "", "under_10m", "alpha", ""),
    # --- telework
    P(
        "mitaka",
        "テレワーク環境の整備",
        TELE,
        "live",
        "2021-04",
        "2022-03",
        800,
        "N社",
        "10m_50m",
        "alpha",
        "alpha_prime",
        lessons="対象業務の洗い出しを先に。持ち帰り端末の規程を人事と一緒に作った。",
    ),
    P(
        "nerima",
        "在宅勤務用端末の拡充",
        TELE,
        "live",
        "2022-10",
        "2023-06",
        3000,
        "N社",
        "50m_100m",
        "beta",
        "",
    ),
    P(
        "kiyose",
        "テレワーク導入",
        TELE,
        "procuring",
        "+1",
        "+8",
        400,
        "",
        "under_10m",
        "alpha",
        "alpha_prime",
    ),
    P(
        "koganei",
        "テレワーク端末の拡充",
        TELE,
        "planned",
        "+12",
        "+18",
        300,
        "",
        "10m_50m",
        "alpha",
        "beta_prime",
    ),
    # --- joint-use cloud (東京自治体クラウド and others)
    P(
        "tachikawa",
        "東京自治体クラウド（住民情報システムの共同利用）",
        CLOUD,
        "live",
        "2018-04",
        "2021-01",
        1600,
        "O社",
        "over_500m",
        "alpha",
        "",
        summary="三鷹市・日野市と住民情報系パッケージを共同利用。業務もそろえて運用する。",
    ),
    P(
        "mitaka",
        "東京自治体クラウドの共同利用",
        CLOUD,
        "live",
        "2018-04",
        "2021-01",
        1400,
        "O社",
        "over_500m",
        "alpha",
        "",
    ),
    P(
        "hino",
        "東京自治体クラウドの共同利用",
        CLOUD,
        "live",
        "2018-04",
        "2021-01",
        1000,
        "O社",
        "over_500m",
        "alpha",
        "",
    ),
    P(
        "koganei",
        "東京自治体クラウドへの加入",
        CLOUD,
        "building",
        "2022-04",
        "2023-11",
        1100,
        "O社",
        "over_500m",
        "alpha",
        "",
        summary="次期システム更新に合わせて加入。4市のワーキングで業務と運用をすり合わせる。",
    ),
    P(
        "kodaira",
        "3市による基幹系システムの共同利用",
        CLOUD,
        "live",
        "2019-04",
        "2021-01",
        1200,
        "P社",
        "100m_500m",
        "alpha",
        "",
    ),
    P(
        "higashikurume",
        "3市による基幹系システムの共同利用",
        CLOUD,
        "live",
        "2019-04",
        "2021-01",
        800,
        "P社",
        "100m_500m",
        "alpha",
        "",
    ),
    # --- standardisation
    P(
        "musashino",
        "基幹業務システムの標準化",
        STD,
        "building",
        "2025-04",
        "+4",
        1300,
        "Q社",
        "over_500m",
        "alpha",
        "",
    ),
    P(
        "ota",
        "標準準拠システムへの移行",
        STD,
        "building",
        "2025-01",
        "+6",
        5000,
        "R社",
        "over_500m",
        "beta",
        "",
    ),
    P(
        "akiruno",
        "標準化対応（20業務）",
        STD,
        "procuring",
        "+1",
        "+12",
        500,
        "",
        "100m_500m",
        "alpha",
        "",
    ),
    P(
        "hachijo",
        "標準化とガバメントクラウド移行",
        STD,
        "planned",
        "+6",
        "+18",
        120,
        "",
        "10m_50m",
        "alpha",
        "",
    ),
)


def _month(value: str, today: dt.date) -> dt.date | None:
    if not value:
        return None
    if value.startswith("+"):
        months = today.year * 12 + today.month - 1 + int(value[1:])
        return dt.date(months // 12, months % 12 + 1, 1)
    year, month = value.split("-")
    return dt.date(int(year), int(month), 1)


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _stage_dates(
    p: P, start: dt.date | None, end: dt.date | None, today: dt.date
) -> list[tuple[str, dt.date]]:
    """When the project reached each stage up to its current one: planned about nine months
    before the start, procuring five months before, building at the start, live at the end —
    never in the future (a future plan is squeezed into the last months) and never backwards."""
    base = start or today
    planned_at = {
        "planned": base - dt.timedelta(days=270),
        "procuring": base - dt.timedelta(days=150),
        "building": base,
        "live": end or base + dt.timedelta(days=180),
    }
    order = list(planned_at)
    wanted = order[: order.index(p.stage) + 1]
    out: list[tuple[str, dt.date]] = []
    for i, stage in enumerate(wanted):
        day = min(planned_at[stage], today - dt.timedelta(days=30 * (len(wanted) - 1 - i)))
        if out and day < out[-1][1]:
            day = out[-1][1]
        out.append((stage, day))
    return out


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _seed_projects(today: dt.date) -> int:
    created = 0
    for p in PROJECTS:
        staff = _user(f"{p.org}-staff")
        if staff is None:
            continue
        if Project.objects.filter(organization_id=staff.organization_id, title=p.title).exists():
            continue
        start, end = _month(p.start, today), _month(p.end, today)
        data: dict[str, Any] = {
            "title": p.title,
            "topic": p.topic,
            "start": start,
            "end": end,
            "scale": p.scale,
            "vendors": p.vendors,
            "cost_band": p.cost,
            "network_model": p.model,
            "network_model_after": p.after,
            "summary": p.summary,
            "lessons": p.lessons,
            "welcomes_contact": p.welcomes,
            "contact": staff.pk if p.welcomes else None,
            "visibility": "own" if p.own_only else "all",
        }
        steps = _stage_dates(p, start, end, today)
        stage, on = steps[0]
        project = services.project_create(
            actor=staff, data=data | {"stage": stage, "stage_on": on}, now=_at(on)
        )
        for stage, on in steps[1:]:
            project = services.project_update(
                actor=staff,
                project=project,
                data=data | {"stage": stage, "stage_on": on},
                version=project.version,
                now=_at(on),
            )
        created += 1
    return created


# --------------------------------------------------------------------------- meetings

ROUNDTABLE_20: dict[str, Any] = {
    "kind": MeetingKind.ROUNDTABLE,
    "number": 20,
    "title": "第20回座談会 武蔵野市CIO×立川市CIO×都CIO",
    "date": dt.date(2022, 1, 20),
    "status": Meeting.Status.HELD,
    "summary": (
        "武蔵野市・立川市の両CIOと都CIOが、セキュリティと利便性の両立、セキュリティクラウドの"
        "変更手続き、デジタル人材の確保の3点について率直に意見を交わした。\n"
        "両市とも国のガイドラインに沿った三層の対策を続けつつ、使い勝手とのバランスに悩んでいる。"
        "立川市からはセキュリティクラウドの変更手続きの簡素化が要望され、都CIOは区市町村の声が"
        "届く仕組みをつくる必要があると応じた。人材については、都と区市町村が一緒に専門人材を"
        "確保する方向性が話題になった。（つなぐ編集部による要約）"
    ),
    "source_title": f"{MAGAZINE} 第20回座談会（令和4年1月20日）",
    "source_publisher": PUBLISHER,
}
ROUNDTABLE_20_PEOPLE = (
    ("笹井 肇", "武蔵野市CIO（副市長）", "武蔵野市"),
    ("田中 良明", "立川市CIO（副市長）", "立川市"),
    ("宮坂 学", "都CIO", "東京都"),
    ("深井 稔", "都デジタルサービス局戦略部長", "東京都"),
    ("小澤 洋之", "都デジタルサービス局戦略部戦略課長", "東京都"),
)
ROUNDTABLE_20_AGENDA = (
    (
        "ネットワークセキュリティ：三層の対策と利便性",
        "両市ともガイドラインに沿った三層の対策を続けている。武蔵野市では、インターネットを分けた"
        "ことで脅威は大きく減った一方、クラウドサービスやテレワークが使いにくく、費用と利便性が"
        "課題になっている。立川市はICカードによるログイン認証を長く運用しており、国のポリシー改定"
        "を受けて自市のポリシーも見直し中で、緩和も選択肢に入れている。都も同じ悩みを抱えており、"
        "今後も情報交換を続けることを確認した。",
    ),
    (
        "セキュリティクラウドの変更手続き",
        "立川市から、新しいサービスを始める際のセキュリティクラウドの設定変更がまとめて処理される"
        "ため、必要な時期に間に合わないことがあるとの指摘があり、手続きの簡素化が要望された。"
        "武蔵野市も、変更に数か月かかるという現場の声を紹介した。都CIOは、こうした声が都に届く"
        "チャンネルをつくる必要があると受け止めた。",
    ),
    (
        "デジタル人材の確保と育成",
        "育てた職員が転職してしまい定着しにくいことが共通の課題。武蔵野市は戦略面のCIO補佐官と"
        "実務面のアドバイザーという外部人材の活用と内部育成の両面で取り組むが、費用は市の単独財源"
        "で賄っている。都CIOは、62区市町村がそれぞれ採用に動くと人材の奪い合いになるとして、"
        "都と区市町村が一緒に確保する考え方を示し、立川市も広域での連携に賛同した。",
    ),
)
ROUNDTABLE_20_FOLLOW_UPS = (
    (
        "セキュリティクラウド変更手続きの所要期間を見える化し、要望の受付窓口を検討する",
        TOKYO,
        "デジタルサービス局",
        dt.date(2022, 6, 30),
        dt.date(2022, 6, 20),
    ),
    (
        "都と区市町村が共同で専門人材を確保する枠組みを検討する",
        TOKYO,
        "デジタルサービス局 区市町村DX支援",
        dt.date(2022, 9, 30),
        dt.date(2022, 9, 15),
    ),
)

ROUNDTABLE_28: dict[str, Any] = {
    "kind": MeetingKind.ROUNDTABLE,
    "number": 28,
    "title": "第28回座談会 小金井市CIO×東京都CIO",
    "date": dt.date(2022, 8, 22),
    "status": Meeting.Status.HELD,
    "summary": (
        "小金井市のCIOと担当課長、都CIOらが、デジタル人材の育成・確保と、東京自治体クラウドへの"
        "加入・庁内ネットワークの更新について話し合った。\n"
        "都CIOは、庁内基盤をすでに更新した自治体とこれから更新する自治体、庁舎移転のタイミングを"
        "迎えて働き方やネットワークを見直したい自治体を横につなぎたいと述べた。Wi-Fiや大型"
        "モニターなど地味な整備がペーパーレス化の前提になるという都庁の経験も共有された。"
        "（つなぐ編集部による要約）"
    ),
    "source_title": f"{MAGAZINE} 第28回座談会（令和4年8月22日）",
    "source_publisher": PUBLISHER,
}
ROUNDTABLE_28_PEOPLE = (
    ("小澤 賢治", "小金井市CIO（副市長）", "小金井市"),
    ("冨田 絵実", "自治体DX推進担当課長", "小金井市"),
    ("山口 晋平", "情報システム課長", "小金井市"),
    ("宮坂 学", "東京都CIO（副知事）", "東京都"),
    ("小澤 洋之", "デジタルサービス局戦略部区市町村DX支援担当部長", "東京都"),
    ("橋本 康昭", "デジタルサービス局戦略部区市町村DX支援課長", "東京都"),
    ("藤田 武臣", "デジタルサービス局戦略部デジタルシフト推進担当課長", "東京都"),
)
ROUNDTABLE_28_AGENDA = (
    (
        "デジタル人材の育成・確保",
        "小金井市は前年秋から、デジタルの知識よりも業務をよく知っていることを重視して、若手から"
        "係長級までの職員をDXリーダーとする体制に改め、研修で基礎を学んでいる。外部の知見として"
        "研修やBPRの支援を委託することも考えているが、外部人材の選び方は難しく、都が採用した"
        "人材の派遣など人的・技術的・財政的な支援を求めた。都CIOは、案件の性質に合わせて得意な"
        "人材がオンデマンドで派遣される形をイメージとして確認し、共有できる人材は共有していく"
        "考えを示した。",
    ),
    (
        "東京自治体クラウドへの加入とネットワーク環境の更新",
        "住民情報系では、立川市・三鷹市・日野市が先行して調達した東京自治体クラウドに、小金井市も"
        "翌年11月のシステム更新に合わせて加わる予定で、4市のワーキング（約64のグループ）で運用を"
        "すり合わせている。庁内ネットワークも翌年秋に更新時期を迎え、LGWAN中心で別にインターネット"
        "端末がある今の環境から、各自の端末で外部にもつながる環境を目指す。持ち運べる端末や"
        "ペーパーレス会議の道具がまだなく、在宅勤務の対象も限られている。都CIOは、庁舎移転や基盤"
        "更新を経験した自治体とこれからの自治体をつなぐ場を広げたいと述べた。",
    ),
)
ROUNDTABLE_28_FOLLOW_UPS = (
    (
        "小金井市のネットワーク更新に向け、更新済みの自治体との情報交換の場を設ける",
        TOKYO,
        "区市町村DX支援課",
        dt.date(2022, 12, 28),
        dt.date(2022, 12, 12),
    ),
    (
        "東京自治体クラウド加入に向けたワーキングの進み具合をフォーラムで共有する",
        "132101",
        "情報システム課",
        dt.date(2023, 3, 31),
        dt.date(2023, 3, 24),
    ),
)

FORUM_HELD: dict[str, Any] = {
    "kind": MeetingKind.CIO_FORUM,
    "title": "東京都・区市町村CIOフォーラム（秋季定例会）",
    "status": Meeting.Status.HELD,
    "place": "都庁第一本庁舎（オンライン併用）",
    "summary": (
        "標準化の進み具合、庁内ネットワーク更新の事例、セキュリティクラウドの変更手続きの改善に"
        "ついて報告と意見交換を行った。ネットワークを更新済みの団体の経験を、これから更新する団体"
        "が聞ける場をつくることになった。（つなぐ編集部による要約）"
    ),
}
FORUM_HELD_AGENDA = (
    "標準化・ガバメントクラウド移行の進み具合",
    "庁内ネットワーク更新の事例紹介（武蔵野市・世田谷区）",
    "セキュリティクラウド変更手続きのリードタイム",
)

FORUM_NEXT: dict[str, Any] = {
    "kind": MeetingKind.CIO_FORUM,
    "title": "東京都・区市町村CIOフォーラム（冬季定例会）",
    "status": Meeting.Status.SCHEDULED,
    "place": "都庁第一本庁舎（オンライン併用）",
}
FORUM_NEXT_AGENDA = (
    "ネットワーク更新・庁舎移転の経験共有（ピアプロジェクトから）",
    "区市町村からの要望への回答状況",
)


def _people(rows: tuple[tuple[str, str, str], ...]) -> list[dict[str, Any]]:
    return [{"name": n, "title": t, "organization": o} for n, t, o in rows]


def _seed_roundtable(
    manager: User,
    spec: dict[str, Any],
    people: tuple[tuple[str, str, str], ...],
    agenda: tuple[tuple[str, str], ...],
    follow_ups: tuple[tuple[str, str, str, dt.date, dt.date | None], ...],
) -> int:
    if Meeting.objects.filter(kind=spec["kind"], number=spec["number"]).exists():
        return 0
    meeting = services.meeting_create(
        actor=manager,
        data=spec,
        participants=_people(people),
        agenda=[title for title, _notes in agenda],
        now=_at(spec["date"]),
    )
    for item, (_title, notes) in zip(meeting.agenda.order_by("order"), agenda, strict=True):
        services.agenda_item_update(actor=manager, item=item, title=item.title, notes=notes)
    _seed_follow_ups(manager, meeting, follow_ups)
    return 1


def _seed_follow_ups(
    manager: User,
    meeting: Meeting,
    follow_ups: tuple[tuple[str, str, str, dt.date, dt.date | None], ...],
) -> None:
    for title, code, person, due, done_on in follow_ups:
        action = services.follow_up_add(
            actor=manager,
            meeting=meeting,
            data={"title": title, "owner_organization": code, "owner_person": person, "due": due},
        )
        if done_on is not None:
            services.follow_up_set_status(
                actor=manager, action=action, status="done", now=_at(done_on)
            )


def _seed_forum(manager: User, today: dt.date) -> int:
    created = 0
    held_date = today - dt.timedelta(days=75)
    if not Meeting.objects.filter(kind=MeetingKind.CIO_FORUM, title=FORUM_HELD["title"]).exists():
        meeting = services.meeting_create(
            actor=manager,
            data=FORUM_HELD | {"date": held_date},
            organizations=["130001", "132039", "131121", "132101", "132047"],
            agenda=list(FORUM_HELD_AGENDA),
            now=_at(held_date),
        )
        _seed_follow_ups(
            manager,
            meeting,
            (
                (
                    "ネットワーク更新の事例集（ピアプロジェクト）を整える",
                    TOKYO,
                    "区市町村DX支援課",
                    held_date + dt.timedelta(days=30),
                    held_date + dt.timedelta(days=28),
                ),
                (
                    "変更手続きのリードタイムを毎月公表する",
                    TOKYO,
                    "セキュリティクラウド運用担当",
                    held_date + dt.timedelta(days=45),
                    None,
                ),
                (
                    "標準化の移行計画の遅れと課題を取りまとめて共有する",
                    "132039",
                    "情報政策課",
                    today + dt.timedelta(days=20),
                    None,
                ),
            ),
        )
        created += 1
    if not Meeting.objects.filter(
        kind=MeetingKind.CIO_FORUM, status=Meeting.Status.SCHEDULED, date__gte=today
    ).exists():
        services.meeting_create(
            actor=manager,
            data=FORUM_NEXT | {"date": today + dt.timedelta(days=42)},
            agenda=list(FORUM_NEXT_AGENDA),
        )
        created += 1
    return created


# --------------------------------------------------------------------------- articles and Q&A

ARTICLES = (
    (
        "musashino",
        "β′モデルへの移行で見直した端末運用（ネットワーク再構築の振り返り）",
        NR,
        "ネットワーク再構築では、モデルの選択より先に端末の構成管理と認証の方針を決めました。\n\n"
        "移行の半年前から、部門ごとに業務で使うクラウドサービスを洗い出し、許可するサービスの一覧を"
        "作りました。セキュリティクラウドへの変更申請はこの一覧をもとにまとめて準備し、切替日に"
        "間に合わせています。\n\n庁内説明会は部門別に3回。問い合わせの多かった項目はFAQにして"
        "ポータルに掲載しました。",
    ),
    (
        "tachikawa",
        "セキュリティクラウドの変更申請を早めるための準備チェックリスト",
        NR,
        "新しいサービスを始める前に、次の3点をそろえておくと申請から反映までが短くなります。\n\n"
        "1. 通信先（ドメイン）と用途の一覧\n2. 利用部署と開始希望日\n3. 代替手段と、使えなかった"
        "場合の影響\n\nサービス開始の2か月前には所管課と調整を始めるのが目安です。",
    ),
    (
        "mitaka",
        "東京自治体クラウド：業務のすり合わせの進め方",
        CLOUD,
        "共同利用では、システムより先に業務をそろえることが肝心でした。\n\n"
        "業務ごとのワーキンググループで、各市のやり方を並べて違いを一覧にし、そろえる・各市の"
        "運用で吸収する・カスタマイズする、のいずれかを決めていきます。決めた内容と理由は記録に"
        "残し、新しく加わる市にも同じ資料で説明できるようにしています。",
    ),
    (
        "toshima",
        "庁舎移転を機にしたフリーアドレスとペーパーレス",
        REL,
        "庁舎移転は、働き方を変える数少ない機会です。\n\n移転前に書類の量を部署ごとに測り、"
        "保管量の目標を決めてから移転しました。無線LANとフリーアドレスを同時に導入したため、"
        "座席の予約ルールと、会議室の大型ディスプレイの使い方を移転前に周知しました。",
    ),
)

QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "org": "koganei",
        "title": "ネットワーク更新の仕様書で、無線LANの同時接続数はどう見積もりましたか",
        "topic": NR,
        "body": "来年度のネットワーク更新に向けて仕様を検討しています。職員数約1,100人です。"
        "会議室と執務室の同時接続数の見積もり方法を教えてください。",
        "answers": (
            (
                "musashino",
                "執務室は職員数×1.2台、会議室は定員×2台で見積もりました。"
                "Web会議の同時利用を想定して、会議室は帯域も別に確保しています。",
                True,
            ),
            (
                "mitaka",
                "フロアごとに実測してから決めました。移行前に1か月ほど試験用の"
                "アクセスポイントを置いて利用状況を測るのがおすすめです。",
                False,
            ),
        ),
        "close": False,
    },
    {
        "org": "kokubunji",
        "title": "ペーパーレス会議のタブレットは個人貸与ですか、共用ですか",
        "topic": PAPER,
        "body": "庁議から始める予定です。管理職に個人貸与するか、会議室ごとに共用にするかで"
        "迷っています。運用上の注意点があれば教えてください。",
        "answers": (
            (
                "musashino",
                "管理職には個人貸与にしました。共用だと事前の資料確認ができず、"
                "結局紙に戻ってしまうためです。",
                True,
            ),
            ("minato", "当区は共用から始め、利用が定着した段階で個人貸与に切り替えました。", False),
        ),
        "close": True,
    },
    {
        "org": "hachijo",
        "title": "島しょ部でのWeb会議の回線品質の工夫",
        "topic": WEB,
        "body": "本土との会議で音声が途切れることがあります。回線や設定の工夫を教えてください。",
        "answers": (
            (
                "niijima",
                "回線を二重化したうえで、映像より音声を優先する設定にしています。"
                "資料は事前に共有して画面共有を減らすと安定しました。",
                True,
            ),
        ),
        "close": False,
    },
    {
        "org": "kiyose",
        "title": "テレワーク端末の持ち帰り規程の例を探しています",
        "topic": TELE,
        "body": "テレワーク導入に向けて、端末の持ち帰りと紛失時の対応を定めた規程の例があれば"
        "参考にさせてください。",
        "answers": (),
        "close": False,
    },
)


def _seed_articles(today: dt.date) -> int:
    created = 0
    for i, (slug, title, topic, body) in enumerate(ARTICLES):
        staff = _user(f"{slug}-staff")
        if staff is None or Article.objects.filter(title=title).exists():
            continue
        services.article_create(
            actor=staff,
            data={"title": title, "topic": topic, "body": body},
            now=_at(today - dt.timedelta(days=40 - i * 9)),
        )
        created += 1
    return created


def _seed_questions(today: dt.date) -> int:
    created = 0
    for i, spec in enumerate(QUESTIONS):
        asker = _user(f"{spec['org']}-staff")
        if asker is None or Question.objects.filter(title=spec["title"]).exists():
            continue
        asked = today - dt.timedelta(days=30 - i * 6)
        question = services.question_create(
            actor=asker,
            data={"title": spec["title"], "topic": spec["topic"], "body": spec["body"]},
            now=_at(asked),
        )
        accepted: Answer | None = None
        for j, (slug, body, is_accepted) in enumerate(spec["answers"]):
            author = _user(f"{slug}-staff")
            if author is None:
                continue
            answer = services.answer_create(
                actor=author,
                question=question,
                body=body,
                now=_at(asked + dt.timedelta(days=1 + j)),
            )
            if is_accepted:
                accepted = answer
        if accepted is not None:
            services.answer_accept(actor=asker, question=question, answer=accepted)
        if spec["close"]:
            services.question_close(actor=asker, question=question)
        created += 1
    return created


def _seed_connection() -> int:
    """One introduction that already happened (清瀬市's telework project met 三鷹市's)."""
    asker, contact = _user("kiyose-staff"), _user("mitaka-staff")
    if asker is None or contact is None:
        return 0
    mine = Project.objects.filter(organization_id=asker.organization_id, topic=TELE).first()
    theirs = Project.objects.filter(organization_id=contact.organization_id, topic=TELE).first()
    if mine is None or theirs is None:
        return 0
    if ConnectRequest.objects.filter(from_project=mine, to_project=theirs).exists():
        return 0
    req = services.connect_request_create(
        actor=asker,
        from_project=mine,
        to_project=theirs,
        message="テレワーク導入の準備中です。対象業務の選び方と持ち帰り端末の規程について、"
        "30分ほどお話を伺えませんか。",
    )
    services.connect_request_answer(
        actor=contact, request=req, accept=True, reply="喜んで。規程の例もお送りします。"
    )
    return 1


def knowledge_seed(*, stdout: TextIO | None = None, today: dt.date | None = None) -> dict[str, int]:
    """Seed the forum's demo data (needs the demo users of ``seed_demo``). Idempotent."""
    today = today or timezone.localdate()
    manager = _user("tokyo-coordinator") or _user("tokyo-admin")
    counts = {"projects": _seed_projects(today)}
    meetings = 0
    if manager is not None and Organization.objects.filter(code=TOKYO).exists():
        meetings += _seed_roundtable(
            manager,
            ROUNDTABLE_20,
            ROUNDTABLE_20_PEOPLE,
            ROUNDTABLE_20_AGENDA,
            ROUNDTABLE_20_FOLLOW_UPS,
        )
        meetings += _seed_roundtable(
            manager,
            ROUNDTABLE_28,
            ROUNDTABLE_28_PEOPLE,
            ROUNDTABLE_28_AGENDA,
            ROUNDTABLE_28_FOLLOW_UPS,
        )
        meetings += _seed_forum(manager, today)
    counts["meetings"] = meetings
    counts["articles"] = _seed_articles(today)
    counts["questions"] = _seed_questions(today)
    counts["connections"] = _seed_connection()
    if stdout is not None:
        stdout.write(
            "Forum: {projects} projects, {meetings} meetings, {articles} articles, "
            "{questions} questions, {connections} introductions new.".format(**counts)
        )
    return counts
