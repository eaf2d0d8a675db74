"""``tsunagu seed_demo``: demo people and profiles for all 63 organisations (idempotent)."""

from __future__ import annotations

import hashlib
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from tsunagu.accounts.models import User
from tsunagu.accounts.services import user_create
from tsunagu.core.models import Organization
from tsunagu.core.roles import Role
from tsunagu.core.services import organization_update_profile

DEMO_PASSWORD = "Tsunagu-demo-2026"  # noqa: S105 - printed by `make run`; demo database only

# Fictional people. (username suffix, role, family name, given name, kana, department, title)
MUNICIPAL_PEOPLE = [
    ("cio", Role.MUNI_CIO, "CIO", "CIO", "総務部"),
    ("staff", Role.MUNI_STAFF, "情報システム担当", "主任", "情報政策課"),
]
LEADER_ORGS = {"musashino", "tachikawa", "koganei", "mitaka", "hino", "okutama", "hachijo"}
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
]
FAMILY_KANA = [
    "サトウ",
    "スズキ",
    "タカハシ",
    "タナカ",
    "イトウ",
    "ワタナベ",
    "ヤマモト",
    "ナカムラ",
    "コバヤシ",
    "カトウ",
    "ヨシダ",
    "ヤマダ",
]
GIVEN = ["一郎", "花子", "健", "美咲", "大輔", "彩", "翔", "陽子", "誠", "恵"]
GIVEN_KANA = [
    "イチロウ",
    "ハナコ",
    "ケン",
    "ミサキ",
    "ダイスケ",
    "アヤ",
    "ショウ",
    "ヨウコ",
    "マコト",
    "メグミ",
]

TOKYO_PEOPLE = [
    ("tokyo-admin", Role.TOKYO_ADMIN, "デジタルサービス局", "プラットフォーム管理者"),
    (
        "tokyo-secops",
        Role.TOKYO_SECOPS,
        "デジタルサービス局 セキュリティ担当",
        "セキュリティクラウド運用担当",
    ),
    (
        "tokyo-coordinator",
        Role.TOKYO_COORDINATOR,
        "デジタルサービス局 区市町村DX支援担当",
        "DX支援コーディネーター",
    ),
    ("tokyo-auditor", Role.AUDITOR, "監査担当", "監査員"),
    ("expert-yamada", Role.EXPERT, "外部専門人材", "CIO補佐官(セキュリティ)"),
    ("expert-kobayashi", Role.EXPERT, "外部専門人材", "BPRアドバイザー"),
]


def _pick(seq: list[str], key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(seq)


def _person(key: str) -> tuple[str, str]:
    f, g = _pick(FAMILY, key + "f"), _pick(GIVEN, key + "g")
    return f"{FAMILY[f]} {GIVEN[g]}", f"{FAMILY_KANA[f]} {GIVEN_KANA[g]}"


class Command(BaseCommand):
    help = "Load demo users and organisation profiles. Running it again changes nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        pw_hash = make_password(DEMO_PASSWORD)  # hashed once: all demo accounts share it
        created = 0
        tokyo = Organization.objects.get(code="130001")
        with transaction.atomic():
            for username, role, dept, title in TOKYO_PEOPLE:
                created += self._ensure(username, tokyo, role, dept, title, pw_hash)
            for org in Organization.objects.exclude(pk=tokyo.pk):
                people = list(MUNICIPAL_PEOPLE)
                if org.slug in LEADER_ORGS:
                    people.append(
                        ("leader", Role.MUNI_DX_LEADER, "DXリーダー", "DXリーダー", "市民課")
                    )
                for suffix, role, _label, title, dept in people:
                    created += self._ensure(f"{org.slug}-{suffix}", org, role, dept, title, pw_hash)
            for org in Organization.objects.all():
                self._profile(org)
        gateway = self._gateway()
        from tsunagu.network.seed import network_seed_all

        networks = network_seed_all()
        from tsunagu.talent.seed import talent_seed

        talent = talent_seed(password=DEMO_PASSWORD)
        from tsunagu.voices.seed import voices_seed

        voices = voices_seed()
        from tsunagu.knowledge.seed import knowledge_seed

        forum = knowledge_seed()
        if not opts["quiet"]:
            self.stdout.write(
                f"Demo data ready: {created} new users, {User.objects.count()} in all. {gateway}"
                f" Network models: {networks} new. Experts: {talent['experts']} new,"
                f" expert requests: {talent['requests']} new. Voices: {voices} new."
                f" Forum: {forum['projects']} projects, {forum['meetings']} meetings new."
            )
        from tsunagu.consortium.seed import consortium_seed

        consortium_seed(stdout=None if opts["quiet"] else self.stdout)

    def _gateway(self) -> str:
        """The gateway policy, the service catalog and a replayed request history (once)."""
        from tsunagu.gateway import artifacts, seed
        from tsunagu.gateway.models import GatewayState

        seed.catalog_seed()
        if GatewayState.objects.filter(active_version__isnull=False).exists():
            return "Gateway already seeded."
        seed.policy_seed()
        stats = seed.history_seed()
        state = GatewayState.objects.get(pk=1)
        if state.active_version is not None:
            artifacts.render_version(state.active_version, today=timezone.localdate())
        return f"Gateway: {stats['requests']} requests, {stats['versions']} policy versions."

    def _ensure(
        self, username: str, org: Organization, role: str, dept: str, title: str, pw_hash: str
    ) -> int:
        if User.objects.filter(username=username).exists():
            return 0
        name, kana = _person(username)
        user_create(
            actor=None,
            username=username,
            organization_id=org.pk,
            role=role,
            email=f"{username}@{org.slug}.example.jp",
            display_name=name,
            display_name_kana=kana,
            department=dept,
            job_title=title,
            password_hash=pw_hash,
        )
        return 1

    def _profile(self, org: Organization) -> None:
        if org.contact_email:
            return  # already filled (by the seed or by the organisation itself)
        cio = User.objects.filter(
            organization=org, role__in=[Role.MUNI_CIO, Role.TOKYO_ADMIN]
        ).first()
        editor = User.objects.filter(role=Role.TOKYO_ADMIN).first()
        assert editor is not None
        kind_word = {
            "都": "副知事",
            "区": "副区長",
            "市": "副市長",
            "町": "副町長",
            "村": "副村長",
        }[org.kind]
        area = 3 if org.region in ("都", "特別区") else 42
        organization_update_profile(
            actor=editor,
            organization=org,
            data={
                "description": f"{org.name}の情報政策・DX推進の窓口です。(デモデータ)",
                "website": f"https://www.{org.slug}.example.jp/",
                "contact_email": f"dx@{org.slug}.example.jp",
                "contact_phone": f"0{area}-555-{org.code[2:6]}",
                "contact_department": "デジタル推進課"
                if org.kind != "都"
                else "デジタルサービス局 戦略部",
                "cio_name": cio.display_name if cio else "",
                "cio_title": f"CIO({kind_word})",
            },
        )
