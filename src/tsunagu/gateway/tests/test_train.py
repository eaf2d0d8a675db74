"""The release train under failure and concurrency; rollback; publishing; lifecycle; lead times."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection
from django.utils import timezone

from tsunagu.core.errors import Conflict, PermissionDenied
from tsunagu.core.models import Organization
from tsunagu.gateway import lifecycle, selectors, services, train
from tsunagu.gateway.models import (
    CatalogService,
    ChangeState,
    GatewayState,
    PolicyVersion,
    Recertification,
    RuleNotice,
)
from tsunagu.gateway.publish import DirectoryPublisher, PublishError

MUSASHINO = "132039"


def adopt(user, slug="zoom"):
    return services.catalog_adopt(
        actor=user,
        organization=Organization.objects.get(code=MUSASHINO),
        service=CatalogService.objects.get(slug=slug),
    )


class FailingPublisher:
    def __init__(self, exc):
        self.exc = exc
        self.calls = 0

    def publish(self, *, version, files, carried=None):
        self.calls += 1
        raise self.exc


def test_failed_publish_never_marks_applied_and_next_train_resumes(
    gateway, musashino_staff, publisher
):
    req = adopt(musashino_staff)
    failing = FailingPublisher(PublishError("device group unreachable"))
    result = train.run_train(publisher=failing)
    assert result.status == "publish_failed", result.error
    req.refresh_from_db()
    assert req.state == ChangeState.SCHEDULED
    version = PolicyVersion.objects.get(number=2)
    assert version.status == PolicyVersion.Status.BUILT
    assert version.publish_attempts == 1
    assert selectors.active_version().number == 1
    # The next train publishes the same version: nothing rebuilt, nothing duplicated.
    result = train.run_train(publisher=publisher)
    assert (result.status, result.version) == ("published", 2)
    assert PolicyVersion.objects.count() == 2
    req.refresh_from_db()
    assert req.state == ChangeState.APPLIED
    assert req.events.filter(to_state=ChangeState.APPLIED).count() == 1


def test_crash_mid_train_loses_and_duplicates_nothing(gateway, musashino_staff, publisher):
    req = adopt(musashino_staff)
    with pytest.raises(RuntimeError):
        train.run_train(publisher=FailingPublisher(RuntimeError("worker killed")))
    state = GatewayState.objects.get(pk=1)
    assert state.train_holder == ""  # the lease is given back even on a crash
    train.run_train(publisher=publisher)
    req.refresh_from_db()
    assert req.state == ChangeState.APPLIED
    assert PolicyVersion.objects.count() == 2


def test_a_held_lease_makes_a_second_train_wait(gateway, musashino_staff, publisher):
    adopt(musashino_staff)
    now = timezone.now()
    assert train._acquire("other-worker", now)
    assert train.run_train(publisher=publisher).status == "busy"
    assert PolicyVersion.objects.count() == 1
    # A crashed holder's lease runs out; then the train goes.
    later = now + train.LEASE + dt.timedelta(seconds=1)
    assert train.run_train(publisher=publisher, now=later).status == "published"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_trains_build_one_version(musashino_staff, tmp_path):
    from tsunagu.gateway import seed

    seed.catalog_seed()
    seed.policy_seed()
    adopt(musashino_staff)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            pub = DirectoryPublisher(root=tmp_path / "pub", webhook="")
            results.append(train.run_train(publisher=pub, render=False).status)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results.count("published") == 1
    assert PolicyVersion.objects.count() == 2


def test_rollback_restores_an_earlier_version_and_marks_requests(
    gateway, musashino_staff, secops, publisher
):
    req = adopt(musashino_staff)
    train.run_train(publisher=publisher)
    v1 = PolicyVersion.objects.get(number=1)
    with pytest.raises(PermissionDenied):
        train.policy_rollback(actor=musashino_staff, target=v1, reason="x")
    rb = train.policy_rollback(actor=secops, target=v1, reason="media broken")
    assert rb.manifest == v1.manifest and rb.rollback_of_id == v1.pk
    with pytest.raises(Conflict):
        train.policy_rollback(actor=secops, target=v1, reason="again")  # one at a time
    assert train.run_train(publisher=publisher).status == "published"
    assert selectors.active_version().number == 3
    req.refresh_from_db()
    assert req.state == ChangeState.ROLLED_BACK


class Hook(BaseHTTPRequestHandler):
    status = 500
    bodies: list[tuple[bytes, str]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.bodies.append((body, self.headers["X-Tsunagu-Signature"]))
        self.send_response(Hook.status)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_failure_is_retried_and_success_is_signed(
    gateway, musashino_staff, tmp_path, settings
):
    settings.GATEWAY_PUBLISH_WEBHOOK_SECRET = "s3cret"
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        pub = DirectoryPublisher(root=tmp_path / "pub", webhook=url)
        req = adopt(musashino_staff)
        Hook.status, Hook.bodies = 500, []
        assert train.run_train(publisher=pub).status == "publish_failed"
        req.refresh_from_db()
        assert req.state == ChangeState.SCHEDULED
        # Devices still follow the old version.
        assert not (tmp_path / "pub" / "nftables" / "CURRENT").exists()
        Hook.status = 204
        assert train.run_train(publisher=pub).status == "published"
        body, signature = Hook.bodies[-1]
        assert hmac.compare_digest(signature, hmac.new(b"s3cret", body, hashlib.sha256).hexdigest())
        assert json.loads(body)["version"] == 2
    finally:
        server.shutdown()


def test_expiry_notices_are_sent_once_per_threshold(gateway, musashino_staff, publisher):
    today = timezone.localdate()
    services.change_request_create(
        actor=musashino_staff,
        organization=Organization.objects.get(code=MUSASHINO),
        kind="temporary_rule",
        title="ntp",
        form={
            "destinations": "133.243.238.0/24",
            "protocol": "udp",
            "ports": "123",
            "expires_on": (today + dt.timedelta(days=20)).isoformat(),
        },
    )
    train.run_train(publisher=publisher)
    assert lifecycle.expiry_notices_send(today=today) == 1
    assert lifecycle.expiry_notices_send(today=today) == 0
    assert lifecycle.expiry_notices_send(today=today + dt.timedelta(days=14)) == 1
    assert set(RuleNotice.objects.values_list("kind", flat=True)) == {"expiry_30", "expiry_7"}
    assert musashino_staff.notifications.filter(kind="gateway.rule_expiring").count() == 2


def test_recertification_opens_once_a_year_and_drop_files_a_removal(gateway, musashino_cio):
    opening = dt.date(2027, 4, 1)
    assert lifecycle.recertification_open(today=opening - dt.timedelta(days=1)) == 0
    created = lifecycle.recertification_open(today=opening)
    assert created >= 63  # every organisation has baseline rules
    assert lifecycle.recertification_open(today=opening) == 0
    rec = Recertification.objects.filter(organization__code=MUSASHINO).first()
    assert rec is not None
    rec = services.recertification_decide(actor=musashino_cio, recert=rec, keep=False)
    assert rec.decision == Recertification.Decision.DROPPED
    assert rec.removal_request is not None
    assert rec.removal_request.kind == "rule_removal"


def test_legacy_batches_are_never_before_submission_and_respect_cutoff():
    tz = timezone.get_current_timezone()
    for day in range(0, 365, 3):
        submitted = dt.datetime(2026, 1, 1, 10, tzinfo=tz) + dt.timedelta(days=day)
        applied = selectors.legacy_applied_at(submitted)
        assert applied - submitted >= dt.timedelta(days=30)
        assert applied - submitted <= dt.timedelta(days=30 + 92)
        assert applied.day == 15 and applied.month in (1, 4, 7, 10)


def test_lead_times_show_continuous_far_below_legacy(gateway, musashino_staff, publisher):
    adopt(musashino_staff)
    train.run_train(publisher=publisher)
    stats = selectors.lead_times(actor=musashino_staff)
    assert stats.total == 1
    standard = next(c for c in stats.classes if c.risk_class == "standard")
    assert standard.count == 1 and standard.on_time_rate == 1.0
    assert stats.legacy_p50_days is not None and stats.continuous_p50_days is not None
    assert stats.legacy_p50_days > 30 > stats.continuous_p50_days


def test_publishing_links_unchanged_files_and_writes_changed_ones(tmp_path):
    pub = DirectoryPublisher(root=tmp_path, webhook="")
    pub.publish(version=1, files={"nftables/a.nft": "A1", "nftables/b.nft": "B1"})
    pub.publish(version=2, files={"nftables/a.nft": "A2", "nftables/b.nft": "B1"})
    v1, v2 = tmp_path / "nftables" / "v1", tmp_path / "nftables" / "v2"
    assert (v2 / "a.nft").read_text() == "A2" and (v1 / "a.nft").read_text() == "A1"
    assert (v2 / "b.nft").stat().st_ino == (v1 / "b.nft").stat().st_ino
    assert (tmp_path / "nftables" / "CURRENT").read_text().strip() == "v2"
    manifest = json.loads((v2 / "MANIFEST.json").read_text())
    assert manifest["a.nft"] == hashlib.sha256(b"A2").hexdigest()
    with pytest.raises(PublishError):
        pub.publish(version=3, files={"nftables/../../escape.nft": "x"})
    # Carried files are linked from the published version; an unknown one is refused.
    pub.publish(
        version=5,
        files={"nftables/a.nft": "A5"},
        carried={"nftables/b.nft": hashlib.sha256(b"B1").hexdigest()},
    )
    v5 = tmp_path / "nftables" / "v5"
    assert (v5 / "b.nft").stat().st_ino == (v1 / "b.nft").stat().st_ino
    with pytest.raises(PublishError):
        pub.publish(version=6, files={}, carried={"nftables/b.nft": "0" * 64})
