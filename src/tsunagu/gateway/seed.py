"""Demo data for the gateway: the baseline policy, the service catalog and a request history.

The history is replayed through the real services and the real release train with a simulated
clock, so every version, verdict and timestamp is what the platform would have produced.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable
from importlib import resources
from typing import Any

import yaml
from django.utils import timezone

from tsunagu.core.models import Organization
from tsunagu.engines.policy import model as m

from .models import CatalogService, ChangeRequest, ChangeState, PolicyVersion

PROXY = "10.255.0.10/32"
RESOLVER = "10.255.0.53/32"


def catalog_seed() -> int:
    """Load the packaged catalog (idempotent: existing entries are updated)."""
    text = resources.files("tsunagu.gateway").joinpath("data/catalog.yaml").read_text("utf-8")
    entries = yaml.safe_load(text)
    for e in entries:
        CatalogService.objects.update_or_create(
            slug=e["slug"],
            defaults={
                "name": e["name"],
                "name_en": e.get("name_en", ""),
                "vendor": e.get("vendor", ""),
                "category": e["category"],
                "description": e.get("description", ""),
                "domains": e["domains"],
                "flows": e.get("flows", []),
                "upload_capable": bool(e.get("upload_capable")),
                "notes": e.get("notes", ""),
            },
        )
    from .search_docs import catalog_service_index

    catalog_service_index(CatalogService.objects.filter(slug__in=[e["slug"] for e in entries]))
    return len(entries)


def lg_domain(org: Organization) -> str:
    if org.code == "130001":
        return "metro.tokyo.lg.jp"
    prefix = {"町": "town", "村": "vill"}.get(org.kind, "city")
    return f"{prefix}.{org.slug}.lg.jp"


def baseline_shared() -> m.Section:
    return m.Section(
        org=m.SHARED,
        post_rules=(
            m.FirewallRule(
                uid="shared-proxy",
                action="allow",
                sources=("zone:internet",),
                destinations=(PROXY,),
                protocol="tcp",
                ports=(m.PortRange(8080, 8080),),
                owner="tokyo-secops",
                comment="web via the security-cloud proxy",
            ),
            m.FirewallRule(
                uid="shared-dns",
                action="allow",
                sources=("zone:internet",),
                destinations=(RESOLVER,),
                protocol="udp",
                ports=(m.PortRange(53, 53),),
                owner="tokyo-secops",
                comment="security-cloud DNS resolver",
            ),
        ),
        domains=(
            m.DomainEntry(uid="shared-d1", pattern="*.metro.tokyo.lg.jp", service="東京都"),
            m.DomainEntry(uid="shared-d2", pattern="www.soumu.go.jp", service="総務省"),
            m.DomainEntry(uid="shared-d3", pattern="www.j-lis.go.jp", service="J-LIS"),
        ),
        category_blocks=frozenset(
            {"malware", "phishing", "adult", "gambling", "p2p", "anonymiser"}
        ),
        mail=m.MailRelay(attachment_policy="sanitise", max_message_mb=20),
    )


def baseline_section(org: Organization, index: int) -> m.Section:
    from .train import default_address_plan

    domain = lg_domain(org)
    code = org.code
    base = f"10.{index}"
    return m.Section(
        org=code,
        address_plan=default_address_plan(index),
        rules=(
            m.FirewallRule(
                uid=f"{code}-web",
                action="allow",
                sources=("internet",),
                destinations=(f"{base}.192.10/32",),
                protocol="tcp",
                ports=(m.PortRange(443, 443),),
                direction="inbound",
                controls=("waf",),
                owner=f"{org.slug}-cio",
                comment=f"www.{domain} behind the WAF",
            ),
            m.FirewallRule(
                uid=f"{code}-sanitised",
                action="allow",
                sources=("zone:sanitiser",),
                destinations=("zone:lgwan",),
                protocol="tcp",
                ports=(m.PortRange(443, 443),),
                direction="internal",
                controls=("sanitisation",),
                owner=f"{org.slug}-cio",
                comment="sanitised files to the LGWAN segment",
            ),
        ),
        domains=(m.DomainEntry(uid=f"{code}-own", pattern=f"www.{domain}", service="own website"),),
        mail=m.MailRelay(
            sending_domains=(domain,),
            relay_hosts=(f"smtp.{domain}:25",),
            attachment_policy="sanitise",
            max_message_mb=20,
        ),
    )


def policy_seed(*, now: dt.datetime | None = None) -> PolicyVersion:
    from .train import policy_bootstrap

    orgs = list(Organization.objects.order_by("code"))
    sections = {o.code: baseline_section(o, i) for i, o in enumerate(orgs, start=1)}
    return policy_bootstrap(shared=baseline_shared(), sections=sections, now=now)


# --------------------------------------------------------------------------- history


VENDOR_HOSTS = [
    ("support.ricoh.co.jp", "複合機サポート"),
    ("www.jichitai.or.jp", "自治体情報"),
    ("portal.lasdec.or.jp", "地方公共団体情報システム機構"),
    ("www.kkr.or.jp", "共済組合"),
    ("app.graffer.jp", "オンライン申請"),
    ("www.logoform.jp", "LoGoフォーム"),
    ("www.jma.go.jp", "気象庁"),
    ("www.data.go.jp", "オープンデータ"),
]
BAD_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("allow_domain", "海外SaaSをまとめて許可", {"hosts": "*.com"}),
    ("allow_domain", "民間サイトをまとめて許可", {"hosts": "*.co.jp"}),
    (
        "firewall_outbound",
        "基幹系から外部の保守窓口へ接続",
        {
            "source_zone": "mynumber",
            "destinations": "203.0.113.20/32",
            "protocol": "tcp",
            "ports": "443",
        },
    ),
]


def history_seed(*, days: int = 150, per_org: int = 5, seed: int = 2026) -> dict[str, int]:
    """Replay a realistic request history for every organisation through the real workflow."""
    from tsunagu.accounts.models import User

    from . import services, train
    from .tasks import train_suppressed

    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    end = timezone.now().replace(second=0, microsecond=0)
    start = end - dt.timedelta(days=days)
    users = {u.username: u for u in User.objects.all()}
    reviewers = [users[n] for n in ("tokyo-secops", "tokyo-admin") if n in users]
    catalog = list(CatalogService.objects.order_by("slug"))
    orgs = list(Organization.objects.exclude(code="130001").order_by("code"))
    counter = [0]
    events: list[tuple[dt.datetime, int, Callable[[dt.datetime], None]]] = []

    def at(when: dt.datetime, fn: Callable[[dt.datetime], None]) -> None:
        counter[0] += 1
        heapq.heappush(events, (when, counter[0], fn))

    def office_time(t: dt.datetime) -> dt.datetime:
        local = timezone.localtime(t)
        hour = rng.randint(9, 17)
        local = local.replace(hour=hour, minute=rng.randint(0, 59))
        while local.weekday() >= 5:
            local += dt.timedelta(days=1)
        return local

    def review(req_id: int) -> Callable[[dt.datetime], None]:
        def step(now: dt.datetime) -> None:
            req = ChangeRequest.objects.get(pk=req_id)
            if req.state != ChangeState.VERIFIED:
                return
            done = req.approvals.filter(reviewer__isnull=False).values_list("reviewer", flat=True)
            reviewer = next((r for r in reviewers if r.pk not in set(done)), None)
            if reviewer is None:
                return
            approve = rng.random() > 0.12
            reason = "" if approve else "業務上の必要性と代替手段の検討結果を添付してください。"
            services.change_request_decide(
                actor=reviewer, request=req, approve=approve, reason=reason, now=now
            )
            req.refresh_from_db()
            if req.state == ChangeState.VERIFIED:
                at(now + dt.timedelta(hours=rng.uniform(4, 60)), review(req_id))
            elif req.state == ChangeState.APPROVED:
                at(next_train(now), run)

        return step

    def next_train(now: dt.datetime) -> dt.datetime:
        minute = (now.minute // 15 + 1) * 15
        return now.replace(minute=0, second=0) + dt.timedelta(minutes=minute)

    def run(now: dt.datetime) -> None:
        train.run_train(now=now, render=False)

    def submit(
        org: Organization, kind: str, title: str, form: dict[str, Any]
    ) -> Callable[[dt.datetime], None]:
        def step(now: dt.datetime) -> None:
            user = users.get(f"{org.slug}-staff") or users.get(f"{org.slug}-cio")
            if user is None:
                return
            try:
                req = services.change_request_create(
                    actor=user, organization=org, kind=kind, title=title, form=form, now=now
                )
            except Exception:
                return
            if req.state == ChangeState.APPROVED:
                at(next_train(now), run)
            elif req.state == ChangeState.VERIFIED:
                if rng.random() < 0.06:
                    at(now + dt.timedelta(hours=3), withdraw(req.pk, user))
                else:
                    at(office_time(now + dt.timedelta(hours=rng.uniform(2, 30))), review(req.pk))

        return step

    def submit_only(
        org: Organization, kind: str, title: str, form: dict[str, Any]
    ) -> Callable[[dt.datetime], None]:
        def step(now: dt.datetime) -> None:
            user = users.get(f"{org.slug}-staff")
            if user is not None:
                services.change_request_create(
                    actor=user, organization=org, kind=kind, title=title, form=form, now=now
                )

        return step

    def withdraw(req_id: int, user: Any) -> Callable[[dt.datetime], None]:
        def step(now: dt.datetime) -> None:
            req = ChangeRequest.objects.get(pk=req_id)
            if req.state == ChangeState.VERIFIED:
                services.change_request_withdraw(
                    actor=user, request=req, reason="別の方法で対応", now=now
                )

        return step

    for org in orgs:
        for _ in range(per_org):
            when = office_time(start + dt.timedelta(days=rng.uniform(0, days - 2)))
            roll = rng.random()
            if roll < 0.45 and catalog:
                svc = rng.choice(catalog)
                if svc.slug == "zoom" and org.code == "132039":
                    continue  # left for the walkthrough: 武蔵野市 adopts Zoom itself
                form = {"catalog": svc.slug, "source_zone": "internet"}
                at(when, submit(org, "catalog_adoption", f"{svc.name} の利用", form))
            elif roll < 0.65:
                host, label = rng.choice(VENDOR_HOSTS)
                at(
                    when,
                    submit(
                        org, "allow_domain", f"{label}の閲覧", {"hosts": host, "service": label}
                    ),
                )
            elif roll < 0.72:
                form = {
                    "hosts": rng.choice(["*.zoom.us", "*.box.com"]),
                    "service": "Web会議の品質改善",
                }
                at(when, submit(org, "tls_exemption", "TLS検査の除外", form))
            elif roll < 0.80:
                expires = (
                    timezone.localdate(when) + dt.timedelta(days=rng.choice([20, 45, 90]))
                ).isoformat()
                form = {
                    "source_zone": "internet",
                    "destinations": "133.243.238.0/24",
                    "protocol": "udp",
                    "ports": "123",
                    "expires_on": expires,
                    "service": "NTP（移行期間中）",
                }
                at(when, submit(org, "temporary_rule", "時刻同期の一時許可", form))
            elif roll < 0.86:
                index = orgs.index(org) + 2
                form = {
                    "server": f"10.{index}.192.20/32",
                    "protocol": "tcp",
                    "ports": "443",
                    "waf": "on",
                }
                at(when, submit(org, "inbound_publication", "オンライン申請サイトの公開", form))
            elif roll < 0.90:
                form = {
                    "source_zone": "internet",
                    "destinations": "198.51.100.32/26",
                    "protocol": "tcp",
                    "ports": "443",
                }
                at(when, submit(org, "firewall_outbound", "委託先への接続", form))
            else:
                kind, title, form = rng.choice(BAD_REQUESTS)
                at(when, submit(org, kind, title, form))

    rollback_at = start + dt.timedelta(days=days * 0.6)

    def rollback(now: dt.datetime) -> None:
        active = PolicyVersion.objects.filter(status=PolicyVersion.Status.ACTIVE).first()
        if active is None or active.parent is None:
            return
        operator = users.get("tokyo-secops")
        if operator is None:
            return
        train.policy_rollback(
            actor=operator,
            target=active.parent,
            reason="Web会議の音声が途切れるとの報告が複数あり、原因調査のため直前の版に戻す",
            now=now,
        )
        at(now + dt.timedelta(minutes=2), run)

    at(office_time(rollback_at), rollback)

    # The last day: requests still waiting for a reviewer, and standard ones the next train takes.
    recent = [
        ("tls_exemption", "Web会議の映像品質改善のためTLS検査を除外", {"hosts": "*.zoom.us"}),
        (
            "inbound_publication",
            "オンライン申請サイトの公開",
            {"protocol": "tcp", "ports": "443", "waf": "on"},
        ),
        (
            "firewall_outbound",
            "保守業者のリモート接続",
            {
                "source_zone": "internet",
                "destinations": "198.51.100.0/24",
                "protocol": "tcp",
                "ports": "8443",
            },
        ),
        ("allow_domain", "気象情報の閲覧", {"hosts": "www.jma.go.jp", "service": "気象庁"}),
    ]
    for n, org in enumerate(orgs[:: max(1, len(orgs) // 8)]):
        kind, title, form = recent[n % len(recent)]
        if kind == "inbound_publication":
            form = {**form, "server": f"10.{orgs.index(org) + 2}.192.30/32"}
        when = end - dt.timedelta(hours=2 + n * 2)
        heapq.heappush(events, (when, 10**6 + n, submit_only(org, kind, title, form)))

    with train_suppressed():
        while events:
            when, _n, fn = heapq.heappop(events)
            if when > end:
                continue
            fn(when)
    from .lifecycle import applied_requests_close

    applied_requests_close(now=end)
    return {
        "requests": ChangeRequest.objects.count(),
        "versions": PolicyVersion.objects.count(),
    }
