"""Demo voices: a year of requests to 都 at every stage, replayed through the real services so
each has its transitions, audit entries and notifications. Idempotent (does nothing when any
voice exists)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tsunagu.accounts.models import User
from tsunagu.core.roles import Role

from . import services
from .models import Category, Decision, TokyoUnit, Visibility, Voice


@dataclass(frozen=True)
class _Demo:
    org: str  # slug of the filing organisation
    category: str
    title: str
    body: str
    outcome: str
    days_ago: int
    cosigners: tuple[str, ...] = ()
    # What 都 has done so far: "", "ack", "study", "answer", "decline", "close", "delay".
    stage: str = ""
    answer: str = ""
    reasons: str = ""
    reply: str = ""
    visibility: str = Visibility.ALL
    outcome_link: tuple[str, str] | None = None


DEMO: tuple[_Demo, ...] = (
    _Demo(
        "musashino",
        "security-cloud",
        "セキュリティクラウドの許可リスト変更の所要期間を公開してほしい",
        "クラウドサービスの利用許可をセキュリティクラウドに依頼してから反映まで数か月かかることがある。"
        "どの段階で止まっているのかが分からず、庁内への説明に困っている。",
        "申請ごとの進捗と、種類別の標準的な所要日数を各団体が確認できること。",
        300,
        ("tachikawa", "mitaka", "kodaira", "hino", "kokubunji"),
        "close",
        "申請の受付から反映までの各段階と所要日数を、ゲートウェイのリードタイム画面で公開しました。"
        "低リスクの変更は自動検証の後、次の定期反映で適用されます。",
        "段階ごとの滞留が見えないことが遅延の説明を難しくしていたため。"
        "変更は都セキュリティクラウド全体に影響するため検証は省略できませんが、検証結果を即時に示すことで待ち時間を短縮できます。",
        "公開された所要日数で庁内説明ができるようになりました。",
        outcome_link=("セキュリティクラウド変更のリードタイム公開", "/gateway/lead-times/"),
    ),
    _Demo(
        "hachioji",
        "talent",
        "デジタル人材の共同確保で、同じ専門家に継続して相談したい",
        "単発の派遣では毎回状況説明からやり直しになる。同じ専門家に数か月続けて相談できる仕組みが必要。",
        "同一専門家による継続支援を申し込めること。",
        200,
        ("machida", "hino", "akishima"),
        "answer",
        "共有専門家の申込みで、継続希望の専門家を指定できるようにしました。マッチングは継続性を優先します。",
        "継続性は成果に直結するとの声が多く、マッチングの評価項目に加えました。",
    ),
    _Demo(
        "okutama",
        "talent",
        "島しょ・西多摩への専門家派遣の旅費を都で負担してほしい",
        "遠隔地では旅費の負担が大きく、オンライン支援に偏ってしまう。",
        "旅費の都負担、または旅費を含めた共同負担の仕組み。",
        150,
        ("hinohara", "hachijo", "oshima"),
        "decline",
        "現行の予算では旅費の全額負担はできません。代わりにオンライン支援の時間上限を広げます。",
        "旅費の全額負担は他の支援事業との公平性の観点から難しいため。"
        "来年度予算要求の中で、遠隔地加算を検討課題として扱います。",
    ),
    _Demo(
        "koganei",
        "standardisation",
        "自治体クラウドへの加入手順のひな形を示してほしい",
        "共同利用への加入にあたり、作業部会で調整すべき項目の一覧が手探りになっている。",
        "加入団体向けの調整項目の一覧と標準的なスケジュール。",
        90,
        ("mitaka", "hino"),
        "study",
    ),
    _Demo(
        "kiyose",
        "funding",
        "ネットワーク更改の補助対象にWi-Fi整備を含めてほしい",
        "ネットワーク更改の補助は基幹部分に限られ、庁内無線LANが対象外となっている。",
        "庁内Wi-Fi整備を補助対象に含めること。",
        70,
        ("higashikurume", "kiyose"),
        "delay",
    ),
    _Demo(
        "setagaya",
        "procurement",
        "Web会議サービスの共同調達を行ってほしい",
        "各団体が個別に契約しており、価格もセキュリティ設定もばらばらになっている。",
        "都と区市町村の共同調達の枠組み。",
        40,
        ("shibuya", "nakano", "suginami", "nerima"),
        "ack",
    ),
    _Demo(
        "chofu",
        "other",
        "庁舎移転にあわせたネットワーク設計の相談窓口がほしい",
        "庁舎移転の時期が迫っているが、移転と同時にネットワークを見直すための相談先がない。",
        "移転経験のある団体や専門家につないでもらえる窓口。",
        12,
        ("fuchu",),
        "",
    ),
    _Demo(
        "nerima",
        "security-cloud",
        "テレワーク端末からのSaaS利用を認めてほしい",
        "テレワーク端末から業務用SaaSに接続できず、庁舎に戻って作業している。",
        "条件付きでのSaaS利用の許可。",
        8,
        (),
        "",
        visibility=Visibility.TOKYO,
    ),
)


def _user(slug: str, role: str = Role.MUNI_STAFF) -> User | None:
    return (
        User.objects.filter(username=f"{slug}-staff").first()
        or User.objects.filter(organization__slug=slug, role=role).first()
    )


def voices_seed(*, now: dt.datetime | None = None) -> int:
    """Replay the demo voices once; returns how many were filed."""
    if Voice.objects.exists():
        return 0
    now = now or timezone.now()
    responder = User.objects.filter(username="tokyo-coordinator").first()
    if responder is None:
        return 0
    units = {u.key: u for u in TokyoUnit.objects.all()}
    for unit in units.values():
        unit.members.add(responder)
    filed = 0
    for demo in DEMO:
        author = _user(demo.org)
        if author is None:
            continue
        start = now - dt.timedelta(days=demo.days_ago)
        category = Category.objects.select_related("unit").get(key=demo.category)
        voice = services.voice_file(
            actor=author,
            category=category,
            title=demo.title,
            body=demo.body,
            desired_outcome=demo.outcome,
            visibility=demo.visibility,
            now=start,
        )
        filed += 1
        for i, slug in enumerate(demo.cosigners):
            signer = _user(slug)
            if signer is None or signer.organization_id == author.organization_id:
                continue
            services.voice_cosign(actor=signer, voice=voice, now=start + dt.timedelta(days=1 + i))
        _progress(voice, demo, responder, author, start)
    return filed


def _progress(voice: Voice, demo: _Demo, responder: User, author: User, start: dt.datetime) -> None:
    if not demo.stage:
        return
    at = start + dt.timedelta(days=3)
    services.voice_acknowledge(actor=responder, voice=voice, now=at)
    if demo.stage == "ack":
        return
    at += dt.timedelta(days=4)
    services.voice_start_study(
        actor=responder, voice=voice, note="関係部署と対応方針を検討しています。", now=at
    )
    if demo.stage == "study":
        return
    if demo.stage == "delay":
        services.voice_delay_note(
            actor=responder,
            voice=voice,
            body="補助要綱の改正協議に時間を要しているため、回答が遅れています。",
            expected_at=timezone.localdate() + dt.timedelta(days=30),
            now=timezone.now(),
        )
        return
    at += dt.timedelta(days=20)
    decision = Decision.NOT_ACCEPTED if demo.stage == "decline" else Decision.ACCEPTED
    services.voice_answer(
        actor=responder,
        voice=voice,
        body=demo.answer,
        reasons=demo.reasons,
        decision=decision,
        now=at,
    )
    if demo.outcome_link is not None:
        title, url = demo.outcome_link
        services.voice_outcome_add(
            actor=responder, voice=voice, title=title, url=url, now=at + dt.timedelta(days=1)
        )
    if demo.stage == "close":
        at += dt.timedelta(days=5)
        if demo.reply:
            services.voice_reply(actor=author, voice=voice, body=demo.reply, now=at)
        services.voice_close(actor=author, voice=voice, now=at + dt.timedelta(hours=2))
