"""Voices: the lifecycle, co-signing and the agenda threshold, answers and the right of reply,
visibility, merging, delay notes, bad input, similar voices, metrics and the daily job."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
from django.utils import timezone

from tsunagu.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import AuditEntry, Organization
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.notifications.models import Notification
from tsunagu.voices import selectors, services
from tsunagu.voices.models import Category, Cosign, Message, Status, TokyoUnit, Visibility, Voice

pytestmark = pytest.mark.django_db

TOKYO = "130001"


def staff(slug: str, role: str = Role.MUNI_STAFF):
    org = Organization.objects.get(slug=slug)
    return make_user(role, org.code)


@pytest.fixture
def tokyo():
    return make_user(Role.TOKYO_COORDINATOR, TOKYO)


@pytest.fixture
def category():
    return Category.objects.select_related("unit").get(key="security-cloud")


def file(actor, category, **kw):
    return services.voice_file(
        actor=actor,
        category=category,
        title=kw.pop("title", "セキュリティクラウドの変更手続を簡素化してほしい"),
        body=kw.pop("body", "許可リストの変更に数か月かかる。手続を簡素化してほしい。"),
        **kw,
    )


def statuses(voice: Voice) -> list[str]:
    return list(voice.transitions.values_list("to_status", flat=True))


def test_whole_lifecycle_keeps_a_timestamp_per_transition(
    tachikawa_staff, musashino_staff, tokyo, category
):
    t0 = timezone.now() - dt.timedelta(days=10)
    voice = file(tachikawa_staff, category, now=t0)
    assert voice.ref.startswith("V-") and voice.unit == category.unit
    assert voice.ack_due == t0 + dt.timedelta(days=category.ack_days)
    assert voice.answer_due == t0 + dt.timedelta(days=category.answer_days)
    services.voice_cosign(actor=musashino_staff, voice=voice, now=t0 + dt.timedelta(hours=1))
    services.voice_acknowledge(actor=tokyo, voice=voice, now=t0 + dt.timedelta(days=1))
    services.voice_start_study(actor=tokyo, voice=voice, now=t0 + dt.timedelta(days=2))
    services.voice_answer(
        actor=tokyo,
        voice=voice,
        body="低リスクの変更は自動検証の後に反映します。",
        reasons="検証を自動化できるため。",
        decision="accepted",
        now=t0 + dt.timedelta(days=5),
    )
    services.voice_reply(
        actor=tachikawa_staff,
        voice=voice,
        body="ありがとうございます。",
        now=t0 + dt.timedelta(days=6),
    )
    services.voice_close(actor=tachikawa_staff, voice=voice, now=t0 + dt.timedelta(days=7))
    voice.refresh_from_db()
    assert statuses(voice) == ["received", "acknowledged", "under_study", "answered", "closed"]
    times = list(voice.transitions.values_list("at", flat=True))
    assert times == sorted(times) and len(set(times)) == 5
    assert voice.acknowledged_at == t0 + dt.timedelta(days=1)
    assert voice.answered_at == t0 + dt.timedelta(days=5)
    assert voice.closed_at == t0 + dt.timedelta(days=7)
    assert voice.cosign_count == 1
    actions = set(
        AuditEntry.objects.filter(object_id=str(voice.pk)).values_list("action", flat=True)
    )
    assert {
        "voices.filed",
        "voices.cosigned",
        "voices.acknowledged",
        "voices.answered",
        "voices.replied",
        "voices.closed",
    } <= actions
    # The co-signer subscribed by co-signing and was told of the answer.
    assert Notification.objects.filter(recipient=musashino_staff, kind="voices.answered").exists()


def test_cosign_twice_or_own_is_refused_and_changes_nothing(
    tachikawa_staff, musashino_staff, category
):
    voice = file(tachikawa_staff, category)
    services.voice_cosign(actor=musashino_staff, voice=voice)
    other = make_user(Role.MUNI_CIO, musashino_staff.organization.code)
    with pytest.raises(Conflict) as exc:
        services.voice_cosign(actor=other, voice=voice)
    assert exc.value.code == "already_cosigned"
    with pytest.raises(ValidationFailed) as own:
        services.voice_cosign(actor=tachikawa_staff, voice=voice)
    assert own.value.code == "own_voice"
    voice.refresh_from_db()
    assert voice.cosign_count == 1 and Cosign.objects.filter(voice=voice).count() == 1


def test_threshold_puts_the_voice_on_the_next_forum_agenda(tachikawa_staff, tokyo, category):
    from tsunagu.knowledge.models import AgendaItem

    admin = make_user(Role.TOKYO_ADMIN, TOKYO)
    category = services.category_update(
        actor=admin,
        category=category,
        ack_days=5,
        answer_days=30,
        agenda_threshold=3,
        unit=category.unit,
        version=category.version,
    )
    voice = file(tachikawa_staff, category)
    for slug in ("musashino", "mitaka"):
        services.voice_cosign(actor=staff(slug), voice=voice)
        voice.refresh_from_db()
        assert voice.agenda_at is None
    services.voice_cosign(actor=staff("hino"), voice=voice)
    voice.refresh_from_db()
    assert voice.agenda_at is not None and voice.cosign_count == 3
    # No forum meeting is scheduled in a bare test database: the voice waits for the next one.
    assert not AgendaItem.objects.filter(voice=voice).exists()
    assert Notification.objects.filter(kind="voices.agenda", recipient=tachikawa_staff).exists()


def test_answer_needs_reasons_and_a_no_declines(tachikawa_staff, tokyo, category):
    voice = file(tachikawa_staff, category)
    with pytest.raises(ValidationFailed) as exc:
        services.voice_answer(
            actor=tokyo, voice=voice, body="できません。", reasons="  ", decision="not_accepted"
        )
    assert "reasons" in exc.value.details
    assert not Message.objects.filter(voice=voice).exists()
    services.voice_answer(
        actor=tokyo,
        voice=voice,
        body="できません。",
        reasons="予算がないため。",
        decision="not_accepted",
    )
    voice.refresh_from_db()
    # Answering a received voice acknowledges it in the same step.
    assert statuses(voice) == ["received", "acknowledged", "declined"]
    assert voice.acknowledged_at is not None and voice.answered_at is not None


def test_answering_a_closed_voice_is_refused(tachikawa_staff, tokyo, category):
    voice = file(tachikawa_staff, category)
    services.voice_answer(
        actor=tokyo, voice=voice, body="対応します。", reasons="理由", decision="accepted"
    )
    services.voice_close(actor=tachikawa_staff, voice=voice)
    with pytest.raises(DomainError) as exc:
        services.voice_answer(
            actor=tokyo, voice=voice, body="追記", reasons="理由", decision="accepted"
        )
    assert exc.value.code == "voice_closed"
    assert Message.objects.filter(voice=voice, kind="answer").count() == 1


def test_reply_and_closure_belong_to_the_requester_after_an_answer(
    tachikawa_staff, musashino_staff, tokyo, category
):
    voice = file(tachikawa_staff, category)
    with pytest.raises(DomainError) as early:
        services.voice_reply(actor=tachikawa_staff, voice=voice, body="まだ？")
    assert early.value.code == "wrong_status"
    with pytest.raises(DomainError):
        services.voice_close(actor=tachikawa_staff, voice=voice)
    services.voice_answer(actor=tokyo, voice=voice, body="回答", reasons="理由", decision="partly")
    with pytest.raises(PermissionDenied):
        services.voice_reply(actor=musashino_staff, voice=voice, body="横から失礼します")
    with pytest.raises(PermissionDenied):
        services.voice_close(actor=musashino_staff, voice=voice)
    with pytest.raises(PermissionDenied):
        services.voice_answer(
            actor=tachikawa_staff, voice=voice, body="x", reasons="y", decision="accepted"
        )


def test_visibility_tokyo_only_and_named_organisations(
    tachikawa_staff, musashino_staff, tokyo, category
):
    hidden = file(
        tachikawa_staff, category, title="都だけに伝えたい要望", visibility=Visibility.TOKYO
    )
    mitaka = Organization.objects.get(slug="mitaka")
    named = file(
        tachikawa_staff,
        category,
        title="三鷹市と共有する要望",
        visibility=Visibility.ORGS,
        shared_with=[mitaka],
    )
    mitaka_staff = staff("mitaka")
    seen_by_musashino = set(
        selectors.voice_list(actor=musashino_staff).values_list("pk", flat=True)
    )
    assert hidden.pk not in seen_by_musashino and named.pk not in seen_by_musashino
    with pytest.raises(NotFound):
        selectors.voice_get(actor=musashino_staff, voice_id=hidden.pk)
    with pytest.raises(NotFound):
        services.voice_cosign(actor=musashino_staff, voice=hidden)
    assert selectors.voice_get(actor=mitaka_staff, voice_id=named.pk) == named
    with pytest.raises(NotFound):
        selectors.voice_get(actor=mitaka_staff, voice_id=hidden.pk)
    for viewer in (tachikawa_staff, tokyo, make_user(Role.AUDITOR, TOKYO)):
        assert selectors.voice_get(actor=viewer, voice_id=hidden.pk) == hidden


def test_orgs_visibility_needs_a_named_organisation(tachikawa_staff, category):
    with pytest.raises(ValidationFailed) as exc:
        file(tachikawa_staff, category, visibility=Visibility.ORGS, shared_with=[])
    assert "shared_with" in exc.value.details
    assert not Voice.objects.exists()


@pytest.mark.parametrize(
    ("title", "body", "field", "code"),
    [
        ("", "本文", "title", None),
        ("   ", "本文", "title", None),
        ("題", "", "body", None),
        ("題", "あ" * 8001, "body", None),
        ("題" * 121, "本文", "title", None),
    ],
)
def test_empty_or_enormous_posts_are_refused_and_nothing_is_filed(
    tachikawa_staff, category, title, body, field, code
):
    with pytest.raises(ValidationFailed) as exc:
        services.voice_file(actor=tachikawa_staff, category=category, title=title, body=body)
    assert field in exc.value.details
    assert (
        not Voice.objects.exists() and not AuditEntry.objects.filter(action="voices.filed").exists()
    )


def test_only_municipal_staff_file_and_auditors_write_nothing(tokyo, category):
    with pytest.raises(PermissionDenied):
        file(tokyo, category)
    with pytest.raises(PermissionDenied):
        file(make_user(Role.AUDITOR, TOKYO), category)


def test_merge_carries_support_once_per_organisation(
    tachikawa_staff, musashino_staff, tokyo, category
):
    target = file(tachikawa_staff, category)
    dup = file(musashino_staff, category, title="許可リスト変更の手続が遅い")
    services.voice_cosign(actor=tachikawa_staff, voice=dup)  # already the target's filer
    services.voice_cosign(actor=staff("mitaka"), voice=dup)
    services.voice_cosign(actor=staff("mitaka"), voice=target)  # already on the target
    services.voice_cosign(actor=staff("hino"), voice=dup)
    services.voice_merge(actor=tokyo, voice=dup, into=target, note="重複のため統合")
    target.refresh_from_db()
    dup.refresh_from_db()
    assert dup.status == Status.MERGED and dup.merged_into == target
    orgs = set(Cosign.objects.filter(voice=target).values_list("organization__slug", flat=True))
    assert orgs == {"musashino", "mitaka", "hino"}
    assert target.cosign_count == 3
    with pytest.raises(DomainError) as exc:
        services.voice_cosign(actor=staff("fuchu"), voice=dup)
    assert exc.value.code == "voice_closed"
    with pytest.raises(ValidationFailed):
        services.voice_merge(actor=tokyo, voice=target, into=target)


def test_delay_note_needs_a_future_date_and_sets_the_expectation(tachikawa_staff, tokyo, category):
    voice = file(tachikawa_staff, category)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationFailed):
        services.voice_delay_note(actor=tokyo, voice=voice, body="遅れます", expected_at=yesterday)
    later = timezone.localdate() + dt.timedelta(days=20)
    services.voice_delay_note(
        actor=tokyo, voice=voice, body="関係機関との協議中です。", expected_at=later
    )
    voice.refresh_from_db()
    assert voice.expected_at == later
    assert Notification.objects.filter(recipient=tachikawa_staff, kind="voices.delayed").exists()


def test_stale_version_is_a_conflict(tachikawa_staff, tokyo, category):
    voice = file(tachikawa_staff, category)
    stale = voice.version
    services.voice_acknowledge(actor=tokyo, voice=voice, version=stale)
    with pytest.raises(Conflict):
        services.voice_start_study(actor=tokyo, voice=voice, version=stale)


def test_similar_voices_rank_the_same_request_first_and_respect_visibility(
    tachikawa_staff, musashino_staff, category
):
    same = file(tachikawa_staff, category)
    file(
        tachikawa_staff,
        Category.objects.get(key="talent"),
        title="専門家の継続派遣",
        body="同じ専門家に継続して相談したい。",
    )
    hidden = file(
        tachikawa_staff,
        category,
        title="セキュリティクラウドの変更手続の簡素化（都のみ）",
        body="許可リストの変更に数か月かかる。手続を簡素化してほしい。",
        visibility=Visibility.TOKYO,
    )
    found = selectors.voice_similar(
        actor=musashino_staff,
        text="セキュリティ・クラウドの許可リスト変更の手続が長すぎる。簡素化を求めたい。",
    )
    ids = [s.voice.pk for s in found]
    assert ids and ids[0] == same.pk
    assert hidden.pk not in ids
    assert selectors.voice_similar(actor=musashino_staff, text="給食の献立") == []


def test_metrics_match_a_direct_computation(tachikawa_staff, tokyo, category):
    now = timezone.now()
    answered_after = [2, 10, 40]  # days; the category's answer target is 30
    for i, days in enumerate(answered_after):
        t0 = now - dt.timedelta(days=100 + i)
        v = file(tachikawa_staff, category, title=f"要望 {i}", now=t0)
        services.voice_answer(
            actor=tokyo,
            voice=v,
            body="回答",
            reasons="理由",
            decision="accepted",
            now=t0 + dt.timedelta(days=days),
        )
    # One still open and past its target, one open and not yet due.
    file(tachikawa_staff, category, title="遅れている要望", now=now - dt.timedelta(days=45))
    fresh = file(tachikawa_staff, category, title="新しい要望", now=now)
    services.voice_cosign(actor=staff("mitaka"), voice=fresh)
    m = selectors.voice_metrics(actor=tokyo, now=now)
    assert m.overall.total == 5 and m.overall.answered == 3
    assert m.overall.median_days_to_answer == pytest.approx(
        statistics.median(answered_after), abs=0.05
    )
    # Due or answered: 3 answered + 1 overdue; on time: the 2- and 10-day answers.
    assert m.overall.on_time_share == pytest.approx(2 / 4, abs=1e-3)
    assert m.overall.overdue == 1
    assert m.overall.cosigned_share == pytest.approx(1 / 5, abs=1e-3)
    unit = next(u for u in m.units if u.key == category.unit.key)
    assert unit.total == 5


def test_daily_job_closes_unreplied_answers_and_flags_overdue(tachikawa_staff, tokyo, category):
    now = timezone.now()
    old = file(tachikawa_staff, category, title="古い要望", now=now - dt.timedelta(days=60))
    services.voice_answer(
        actor=tokyo,
        voice=old,
        body="回答",
        reasons="理由",
        decision="accepted",
        now=now - dt.timedelta(days=40),
    )
    replied = file(tachikawa_staff, category, title="返信した要望", now=now - dt.timedelta(days=60))
    services.voice_answer(
        actor=tokyo,
        voice=replied,
        body="回答",
        reasons="理由",
        decision="accepted",
        now=now - dt.timedelta(days=40),
    )
    services.voice_reply(
        actor=tachikawa_staff, voice=replied, body="再検討を", now=now - dt.timedelta(days=35)
    )
    late = file(tachikawa_staff, category, title="遅延中", now=now - dt.timedelta(days=50))
    unit_member = make_user(Role.TOKYO_COORDINATOR, TOKYO)
    TokyoUnit.objects.get(pk=category.unit_id).members.add(unit_member)
    assert services.voices_autoclose(reply_days=30, now=now) == 1
    old.refresh_from_db()
    replied.refresh_from_db()
    assert old.status == Status.CLOSED and replied.status == Status.ANSWERED
    assert services.voices_flag_overdue(now=now) >= 1
    assert Notification.objects.filter(
        recipient=unit_member, kind="voices.overdue", url=f"/voices/{late.pk}/"
    ).exists()


def test_category_targets_are_validated(category):
    admin = make_user(Role.TOKYO_ADMIN, TOKYO)
    with pytest.raises(ValidationFailed) as exc:
        services.category_update(
            actor=admin,
            category=category,
            ack_days=0,
            answer_days=400,
            agenda_threshold=99,
            unit=category.unit,
            version=category.version,
        )
    assert {"ack_days", "answer_days", "agenda_threshold"} <= set(exc.value.details)
    with pytest.raises(PermissionDenied):
        services.category_update(
            actor=make_user(Role.MUNI_CIO, "132039"),
            category=category,
            ack_days=5,
            answer_days=30,
            agenda_threshold=5,
            unit=category.unit,
            version=category.version,
        )


def test_dashboard_shows_own_voices_and_what_waits_on_tokyo(
    tachikawa_staff, musashino_staff, tokyo, category
):
    now = timezone.now()
    late = file(tachikawa_staff, category, title="遅れている", now=now - dt.timedelta(days=40))
    answered = file(tachikawa_staff, category, title="回答済み")
    services.voice_answer(
        actor=tokyo, voice=answered, body="回答", reasons="理由", decision="partly"
    )
    file(musashino_staff, category, title="武蔵野市の要望")
    mine = selectors.voice_dashboard(actor=tachikawa_staff, now=now)
    assert mine is not None
    assert {v.pk for v in mine.mine} == {late.pk, answered.pk} and mine.awaiting_us == 1
    assert mine.overdue == [] and mine.open_total == 0  # municipalities see no 都 queue
    queue = selectors.voice_dashboard(actor=tokyo, now=now)
    assert queue is not None
    assert queue.open_total == 2 and queue.to_acknowledge == 2
    assert [v.pk for v in queue.overdue] == [late.pk]


@pytest.mark.parametrize("url", ["//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_an_outcome_link_must_stay_on_the_platform_or_use_https(
    tachikawa_staff, tokyo, category, url
):
    voice = file(tachikawa_staff, category)
    with pytest.raises(ValidationFailed) as exc:
        services.voice_outcome_add(actor=tokyo, voice=voice, title="成果", url=url)
    assert exc.value.code == "bad_url" and not voice.outcomes.exists()
    services.voice_outcome_add(actor=tokyo, voice=voice, title="成果", url="/gateway/lead-time/")
