"""Forum writes: peer projects and connect requests, meetings with their agenda and follow-up
actions, articles, questions and answers.

Every write checks the actor, validates all input before changing anything (a refusal changes
nothing), runs in a transaction, records an audit entry and refreshes the search index in the
same transaction. Projects use optimistic locking (``version``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.models import User
from tsunagu.core.audit import audit_record, changes
from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import NetworkModel, Organization
from tsunagu.core.permissions import Actor, can, require_write
from tsunagu.core.roles import MUNICIPAL_ROLES, Cap, Role
from tsunagu.notifications.selectors import recipient_list
from tsunagu.notifications.services import notification_send

from . import search_docs
from .models import (
    AgendaItem,
    Answer,
    Article,
    ConnectRequest,
    CostBand,
    FollowUpAction,
    Meeting,
    MeetingKind,
    Participant,
    Project,
    ProjectDocument,
    ProjectStage,
    Question,
    Stage,
    Topic,
    Visibility,
)

if TYPE_CHECKING:
    from tsunagu.search.documents import IndexDoc
    from tsunagu.voices.models import Voice

TITLE_MAX = 120
LONG_TEXT_MAX = 8000
MESSAGE_MAX = 2000
MAX_DOCUMENTS = 10
MAX_PARTICIPANTS = 60
MAX_AGENDA = 40
SCALE_MAX = 10_000_000


# --------------------------------------------------------------------------- shared checks


def _require_contribute(actor: Actor) -> None:
    require_write(actor)
    if not can(actor, Cap.FORUM_CONTRIBUTE):
        raise PermissionDenied()


def _require_manage(actor: Actor) -> None:
    require_write(actor)
    if not can(actor, Cap.FORUM_MANAGE):
        raise PermissionDenied()


def _require_own_project(actor: Actor, project: Project) -> None:
    """Only the owning organisation's staff edit a project (not even 都 edits another's)."""
    _require_contribute(actor)
    if project.organization_id != actor.organization_id:
        raise NotFound() if project.visibility == Visibility.OWN else PermissionDenied()


def _too_long(limit: int) -> str:
    return _("Enter at most %(max)d characters.") % {"max": limit}


def _text(
    data: Mapping[str, Any],
    key: str,
    errors: dict[str, str],
    *,
    limit: int,
    required: str | None = None,
    min_len: int = 1,
) -> str:
    """A trimmed text field; ``required`` is the message when it is missing or too short."""
    value = data.get(key)
    text = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if required is not None and len(text) < min_len:
        errors[key] = required
    elif len(text) > limit:
        errors[key] = _too_long(limit)
    return text


def _choice(
    data: Mapping[str, Any],
    key: str,
    errors: dict[str, str],
    choices: Sequence[str],
    *,
    default: str | None = None,
    message: str,
) -> str:
    value = str(data.get(key) or default or "")
    if value not in choices:
        errors[key] = message
    return value


def _date(value: Any) -> dt.date | None:
    """A date from a date, ``YYYY-MM-DD`` or ``YYYY-MM`` (first of the month); None if empty.
    Raises ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    return dt.date.fromisoformat(text)


def _month(data: Mapping[str, Any], key: str, errors: dict[str, str]) -> dt.date | None:
    try:
        value = _date(data.get(key))
    except ValueError:
        errors[key] = _("Enter the month as YYYY-MM.")
        return None
    if value is not None and not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
        errors[key] = _("Enter a month between 2000 and 2100.")
        return None
    return value.replace(day=1) if value else None


def _day(
    data: Mapping[str, Any], key: str, errors: dict[str, str], *, required: bool
) -> dt.date | None:
    try:
        value = _date(data.get(key))
    except ValueError:
        errors[key] = _("Enter the date as YYYY-MM-DD.")
        return None
    if value is None and required:
        errors[key] = _("Enter the date as YYYY-MM-DD.")
    elif value is not None and not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
        errors[key] = _("Enter a date between 2000 and 2100.")
        return None
    return value


def valid_link(url: str) -> bool:
    """A platform path (``/forum/…``) or an https URL with a host; nothing else (no
    ``javascript:``, no ``http:``, no protocol-relative ``//host``)."""
    if not url or len(url) > 300 or any(c.isspace() or c in "\\<>\"'" for c in url):
        return False
    if url.startswith("/"):
        return not url.startswith("//")
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc


def _index(docs: Iterable[IndexDoc]) -> None:
    """Put documents into the search index, in the caller's transaction."""
    from tsunagu.search.services import search_index_put

    search_index_put(docs=list(docs))


def _org_staff(org_id: int) -> list[User]:
    return recipient_list(organization_ids=[org_id], roles=MUNICIPAL_ROLES)


def _managers() -> list[User]:
    return recipient_list(roles=[Role.TOKYO_ADMIN, Role.TOKYO_COORDINATOR])


# --------------------------------------------------------------------------- projects


PROJECT_FIELDS = (
    "title",
    "topic",
    "stage",
    "start",
    "end",
    "scale",
    "vendors",
    "cost_band",
    "network_model",
    "network_model_after",
    "summary",
    "lessons",
    "welcomes_contact",
    "contact_id",
    "visibility",
)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "on", "yes")


def _validate_documents(
    documents: Sequence[Mapping[str, Any]], errors: dict[str, str]
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for doc in documents:
        title = str(doc.get("title") or "").strip()
        url = str(doc.get("url") or "").strip()
        if not title and not url:
            continue  # an empty row of the form
        if not title:
            errors["documents"] = _("Give every document link a title.")
        elif len(title) > TITLE_MAX:
            errors["documents"] = _too_long(TITLE_MAX)
        elif not valid_link(url):
            errors["documents"] = _(
                "Document links must be a platform path (/…) or an https:// address."
            )
        out.append((title, url))
    if len(out) > MAX_DOCUMENTS:
        errors["documents"] = _("Link at most %(n)d documents.") % {"n": MAX_DOCUMENTS}
    return out


def _validate_project(
    data: Mapping[str, Any],
    documents: Sequence[Mapping[str, Any]],
    *,
    organization_id: int,
    today: dt.date,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    out["title"] = _text(
        data, "title", errors, limit=TITLE_MAX, required=_("Give the project a short title.")
    )
    out["topic"] = _choice(
        data, "topic", errors, Topic.values, message=_("Choose the topic of the project.")
    )
    out["stage"] = _choice(
        data, "stage", errors, Stage.values, default=Stage.PLANNED, message=_("Choose a stage.")
    )
    out["start"] = _month(data, "start", errors)
    out["end"] = _month(data, "end", errors)
    if out["start"] and out["end"] and out["end"] < out["start"]:
        errors["end"] = _("The end cannot be before the start.")
    raw_scale = data.get("scale")
    out["scale"] = None
    if raw_scale not in (None, ""):
        try:
            scale = int(str(raw_scale).replace(",", "").strip())
        except ValueError:
            scale = -1
        if not 1 <= scale <= SCALE_MAX:
            errors["scale"] = _("Enter the number of staff or terminals (a whole number).")
        else:
            out["scale"] = scale
    out["vendors"] = _text(data, "vendors", errors, limit=200)
    out["cost_band"] = _choice(
        data,
        "cost_band",
        errors,
        CostBand.values,
        default=CostBand.UNDISCLOSED,
        message=_("Choose a cost band."),
    )
    out["network_model"] = _choice(
        data,
        "network_model",
        errors,
        NetworkModel.values,
        default=NetworkModel.UNKNOWN,
        message=_("Choose a network model."),
    )
    after = str(data.get("network_model_after") or "")
    if after and after not in NetworkModel.values:
        errors["network_model_after"] = _("Choose a network model.")
    out["network_model_after"] = after
    out["summary"] = _text(data, "summary", errors, limit=4000)
    out["lessons"] = _text(data, "lessons", errors, limit=LONG_TEXT_MAX)
    out["welcomes_contact"] = _bool(data.get("welcomes_contact", False))
    out["visibility"] = _choice(
        data,
        "visibility",
        errors,
        Visibility.values,
        default=Visibility.ALL,
        message=_("Choose who may see the project."),
    )
    contact_raw = data.get("contact") or data.get("contact_id")
    out["contact_id"] = None
    if contact_raw not in (None, ""):
        contact = User.objects.filter(
            pk=_int(contact_raw), organization_id=organization_id, is_active=True
        ).first()
        if contact is None:
            errors["contact"] = _("Choose a contact person from your organisation.")
        else:
            out["contact_id"] = contact.pk
    if out["welcomes_contact"] and out["contact_id"] is None and "contact" not in errors:
        errors["contact"] = _("Choose the contact person who answers connect requests.")
    try:
        stage_on = _date(data.get("stage_on"))
    except ValueError:
        errors["stage_on"] = _("Enter the date as YYYY-MM-DD.")
        stage_on = None
    if stage_on is not None and stage_on > today:
        errors["stage_on"] = _("The date a stage was reached cannot be in the future.")
    out["stage_on"] = stage_on or today
    out["documents"] = _validate_documents(documents, errors)
    if errors:
        raise ValidationFailed(details=errors)
    return out


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def _project_state(p: Project) -> dict[str, Any]:
    return {f: getattr(p, f) for f in PROJECT_FIELDS}


def _save_documents(project: Project, documents: Sequence[tuple[str, str]]) -> None:
    project.documents.all().delete()
    ProjectDocument.objects.bulk_create(
        ProjectDocument(project=project, title=t, url=u, order=i)
        for i, (t, u) in enumerate(documents)
    )


def project_create(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    documents: Sequence[Mapping[str, Any]] = (),
    now: dt.datetime | None = None,
) -> Project:
    """Register a project of the actor's organisation. Bad input changes nothing."""
    _require_contribute(actor)
    now = now or timezone.now()
    clean = _validate_project(
        data, documents, organization_id=actor.organization_id, today=timezone.localdate(now)
    )
    with transaction.atomic():
        project = Project.objects.create(
            organization_id=actor.organization_id,
            **{f: clean[f] for f in PROJECT_FIELDS},
            created_at=now,
            updated_at=now,
            created_by_id=actor.pk,
            updated_by_id=actor.pk,
        )
        ProjectStage.objects.create(
            project=project,
            stage=project.stage,
            on=clean["stage_on"],
            recorded_at=now,
            recorded_by_id=actor.pk,
        )
        _save_documents(project, clean["documents"])
        audit_record(
            actor=actor,
            action="forum.project_created",
            organization=project.organization_id,
            obj=project,
            after=_project_state(project) | {"documents": len(clean["documents"])},
        )
        _index(search_docs.project_docs(ids=[project.pk]))
    return project


def project_update(
    *,
    actor: Actor,
    project: Project,
    data: Mapping[str, Any],
    version: int,
    documents: Sequence[Mapping[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> Project:
    """Change a project (its own organisation only). ``version`` is the one the editor saw: a
    newer one means someone else saved in between (``stale_version``). A new stage is added to
    the history with its date (``stage_on``, default today)."""
    _require_own_project(actor, project)
    now = now or timezone.now()
    if documents is None:
        documents = [{"title": d.title, "url": d.url} for d in project.documents.all()]
    clean = _validate_project(
        data, documents, organization_id=project.organization_id, today=timezone.localdate(now)
    )
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.version != version:
            raise Conflict(code="stale_version")
        last = locked.stage_history.order_by("-on", "-pk").values_list("on", flat=True).first()
        if clean["stage"] != locked.stage and last is not None and clean["stage_on"] < last:
            raise ValidationFailed(
                details={
                    "stage_on": _("The stage cannot be reached before the previous one (%(day)s).")
                    % {"day": last.isoformat()}
                }
            )
        before = _project_state(locked)
        old_docs = list(locked.documents.values_list("title", "url"))
        for f in PROJECT_FIELDS:
            setattr(locked, f, clean[f])
        locked.updated_at = now
        locked.updated_by_id = actor.pk
        locked.version += 1
        locked.save()
        if locked.stage != before["stage"]:
            ProjectStage.objects.create(
                project=locked,
                stage=locked.stage,
                on=clean["stage_on"],
                recorded_at=now,
                recorded_by_id=actor.pk,
            )
        if [tuple(d) for d in old_docs] != list(clean["documents"]):
            _save_documents(locked, clean["documents"])
        old, new = changes(before, _project_state(locked))
        audit_record(
            actor=actor,
            action="forum.project_updated",
            organization=locked.organization_id,
            obj=locked,
            before=old,
            after=new | {"version": locked.version},
        )
        _index(search_docs.project_docs(ids=[locked.pk]))
    return locked


# --------------------------------------------------------------------------- connect requests


def _visible_to(actor: Actor, project: Project) -> bool:
    return project.visibility == Visibility.ALL or project.organization_id == actor.organization_id


def connect_request_create(
    *,
    actor: Actor,
    from_project: Project,
    to_project: Project,
    message: Any,
    now: dt.datetime | None = None,
) -> ConnectRequest:
    """Ask a peer project's contact to be introduced. One open request per pair; not to one's
    own organisation; only to projects that welcome contact."""
    _require_own_project(actor, from_project)
    if not _visible_to(actor, to_project):
        raise NotFound()
    errors: dict[str, str] = {}
    text = _text(
        {"message": message},
        "message",
        errors,
        limit=MESSAGE_MAX,
        required=_("Write a short message: what you would like to learn from them."),
    )
    if errors:
        raise ValidationFailed(details=errors)
    if to_project.organization_id == from_project.organization_id:
        raise Conflict(
            _("This project is your own organisation's: talk to your colleagues directly."),
            code="connect_own_organisation",
        )
    contact = (
        User.objects.filter(pk=to_project.contact_id, is_active=True).first()
        if to_project.contact_id
        else None
    )
    if not to_project.welcomes_contact or contact is None:
        raise Conflict(
            _("This project's team does not take connect requests."), code="contact_not_welcome"
        )
    now = now or timezone.now()
    with transaction.atomic():
        # Lock both projects (in id order): requests A→B and B→A sent at the same moment
        # must not both end up open.
        list(
            Project.objects.select_for_update()
            .filter(pk__in=[from_project.pk, to_project.pk])
            .order_by("pk")
        )
        pair = ConnectRequest.objects.filter(
            from_project__in=[from_project.pk, to_project.pk],
            to_project__in=[from_project.pk, to_project.pk],
        )
        if pair.filter(status=ConnectRequest.Status.ACCEPTED).exists():
            raise Conflict(
                _("You are already connected with this project's team."), code="already_connected"
            )
        if pair.filter(status=ConnectRequest.Status.OPEN).exists():
            raise Conflict(
                _("A connect request between these two projects is already waiting for an answer."),
                code="connect_duplicate",
            )
        from_contact_id = from_project.contact_id or actor.pk
        try:
            with transaction.atomic():
                req = ConnectRequest.objects.create(
                    from_project=from_project,
                    to_project=to_project,
                    from_contact_id=from_contact_id,
                    to_contact=contact,
                    message=text,
                    created_by_id=actor.pk,
                    created_at=now,
                )
        except IntegrityError as exc:
            raise Conflict(
                _("A connect request between these two projects is already waiting for an answer."),
                code="connect_duplicate",
            ) from exc
        audit_record(
            actor=actor,
            action="forum.connect_requested",
            organization=from_project.organization_id,
            obj=req,
            after={"from": from_project.pk, "to": to_project.pk},
        )
        notification_send(
            recipients=[contact],
            kind="forum.connect_requested",
            params={"org": from_project.organization.name, "title": to_project.title},
            url=f"/forum/connect/{req.pk}/",
            actor=actor if isinstance(actor, User) else None,
        )
    return req


def connect_request_answer(
    *,
    actor: Actor,
    request: ConnectRequest,
    accept: bool,
    reply: Any = "",
    now: dt.datetime | None = None,
) -> ConnectRequest:
    """The peer project's contact accepts (both contacts are introduced and notified) or
    declines (the asker is told)."""
    require_write(actor)
    if request.to_contact_id != actor.pk:
        raise PermissionDenied(_("Only the project's contact person can answer."))
    errors: dict[str, str] = {}
    text = _text({"reply": reply}, "reply", errors, limit=MESSAGE_MAX)
    if errors:
        raise ValidationFailed(details=errors)
    now = now or timezone.now()
    with transaction.atomic():
        req = (
            ConnectRequest.objects.select_for_update()
            .select_related("from_project__organization", "to_project__organization")
            .get(pk=request.pk)
        )
        if req.status != ConnectRequest.Status.OPEN:
            raise Conflict(_("This connect request was already answered."), code="connect_answered")
        req.status = ConnectRequest.Status.ACCEPTED if accept else ConnectRequest.Status.DECLINED
        req.reply = text
        req.answered_at = now
        req.save(update_fields=["status", "reply", "answered_at"])
        audit_record(
            actor=actor,
            action="forum.connect_accepted" if accept else "forum.connect_declined",
            organization=req.to_project.organization_id,
            obj=req,
            after={"status": req.status},
        )
        url = f"/forum/connect/{req.pk}/"
        from_contact = User.objects.get(pk=req.from_contact_id)
        to_contact = User.objects.get(pk=req.to_contact_id)
        if accept:
            for me, other, org in (
                (from_contact, to_contact, req.to_project.organization),
                (to_contact, from_contact, req.from_project.organization),
            ):
                notification_send(
                    recipients=[me],
                    kind="forum.connect_accepted",
                    params={"name": other.display_name or other.username, "org": org.name},
                    url=url,
                )
        else:
            notification_send(
                recipients=[from_contact],
                kind="forum.connect_declined",
                params={"org": req.to_project.organization.name, "title": req.to_project.title},
                url=url,
            )
    return req


# --------------------------------------------------------------------------- meetings


def _org_by_ref(value: Any) -> Organization | None:
    """An organisation from its id, its code or its name."""
    if isinstance(value, Organization):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit():
        found = Organization.objects.filter(code=text).first()
        return found or Organization.objects.filter(pk=int(text)).first()
    return Organization.objects.filter(name=text).first()


def _validate_meeting(
    data: Mapping[str, Any],
    participants: Sequence[Mapping[str, Any]],
    organizations: Sequence[Any],
    *,
    today: dt.date,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    out["kind"] = _choice(
        data, "kind", errors, MeetingKind.values, message=_("Choose the kind of meeting.")
    )
    out["title"] = _text(data, "title", errors, limit=200, required=_("Give the meeting a title."))
    out["date"] = _day(data, "date", errors, required=True)
    out["status"] = _choice(
        data,
        "status",
        errors,
        Meeting.Status.values,
        default=Meeting.Status.SCHEDULED,
        message=_("Choose scheduled or held."),
    )
    if out["status"] == Meeting.Status.HELD and out["date"] and out["date"] > today:
        errors["status"] = _("A meeting in the future cannot be marked as held.")
    raw_number = data.get("number")
    out["number"] = None
    if raw_number not in (None, ""):
        number = _int(raw_number)
        if not 1 <= number <= 9999:
            errors["number"] = _("Enter the meeting's number (1–9999).")
        out["number"] = number or None
    out["place"] = _text(data, "place", errors, limit=120)
    out["summary"] = _text(data, "summary", errors, limit=LONG_TEXT_MAX)
    out["minutes"] = _text(data, "minutes", errors, limit=20000)
    out["source_title"] = _text(data, "source_title", errors, limit=200)
    out["source_publisher"] = _text(data, "source_publisher", errors, limit=120)
    out["source_date"] = _day(data, "source_date", errors, required=False)
    out["source_url"] = _text(data, "source_url", errors, limit=300)
    if out["source_url"] and not valid_link(out["source_url"]):
        errors["source_url"] = _("Enter an https:// address or a platform path (/…).")
    people: list[dict[str, Any]] = []
    for p in participants:
        name = str(p.get("name") or "").strip()
        title = str(p.get("title") or "").strip()
        org_ref = p.get("organization")
        if not name and not title and not org_ref:
            continue
        if not name:
            errors["participants"] = _("Give every participant a name.")
            continue
        if len(name) > 80 or len(title) > 160:
            errors["participants"] = _("A participant's name or title is too long.")
            continue
        org = _org_by_ref(org_ref)
        if org_ref and org is None:
            errors["participants"] = _("Unknown organisation: %(name)s") % {"name": org_ref}
            continue
        people.append({"name": name, "title": title, "organization": org})
    if len(people) > MAX_PARTICIPANTS:
        errors["participants"] = _("At most %(n)d participants.") % {"n": MAX_PARTICIPANTS}
    out["participants"] = people
    orgs: list[Organization] = []
    for ref in organizations:
        org = _org_by_ref(ref)
        if org is None:
            errors["organizations"] = _("Choose organisations from the list.")
        elif org not in orgs:
            orgs.append(org)
    for p in people:
        if p["organization"] is not None and p["organization"] not in orgs:
            orgs.append(p["organization"])
    out["organizations"] = orgs
    if errors:
        raise ValidationFailed(details=errors)
    return out


MEETING_FIELDS = (
    "kind",
    "title",
    "date",
    "status",
    "number",
    "place",
    "summary",
    "minutes",
    "source_title",
    "source_publisher",
    "source_date",
    "source_url",
)


def _save_participants(meeting: Meeting, people: Sequence[Mapping[str, Any]]) -> None:
    meeting.participants.all().delete()
    Participant.objects.bulk_create(
        Participant(
            meeting=meeting,
            organization=p["organization"],
            name=p["name"],
            title=p["title"],
            order=i,
        )
        for i, p in enumerate(people)
    )


def _next_order(meeting: Meeting) -> int:
    last = meeting.agenda.order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


def _pull_voices(meeting: Meeting) -> list[AgendaItem]:
    """Voices that reached the agenda threshold and sit on no agenda yet go onto a new
    scheduled CIO-forum meeting — except finished ones (closed, or merged into another voice,
    whose support now counts there)."""
    from tsunagu.voices.models import FINAL_STATUSES, Voice

    voices = (
        Voice.objects.filter(agenda_at__isnull=False, agenda_items__isnull=True)
        .exclude(status__in=FINAL_STATUSES)
        .order_by("agenda_at", "pk")
    )
    items = []
    order = _next_order(meeting)
    for voice in voices:
        items.append(
            AgendaItem.objects.create(
                meeting=meeting, order=order, title=voice.title[:200], voice=voice
            )
        )
        order += 1
    return items


def meeting_create(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    participants: Sequence[Mapping[str, Any]] = (),
    organizations: Sequence[Any] = (),
    agenda: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Meeting:
    """Record a meeting (都 only). A scheduled CIO-forum meeting takes the voices waiting for
    the agenda."""
    _require_manage(actor)
    now = now or timezone.now()
    today = timezone.localdate(now)
    clean = _validate_meeting(data, participants, organizations, today=today)
    topics = [str(t).strip() for t in agenda if str(t).strip()]
    if len(topics) > MAX_AGENDA or any(len(t) > 200 for t in topics):
        raise ValidationFailed(details={"agenda": _too_long(200)})
    with transaction.atomic():
        meeting = Meeting.objects.create(
            **{f: clean[f] for f in MEETING_FIELDS},
            created_at=now,
            updated_at=now,
            created_by_id=actor.pk,
        )
        meeting.organizations.set(clean["organizations"])
        _save_participants(meeting, clean["participants"])
        AgendaItem.objects.bulk_create(
            AgendaItem(meeting=meeting, order=i, title=t) for i, t in enumerate(topics, start=1)
        )
        pulled: list[AgendaItem] = []
        if (
            meeting.kind == MeetingKind.CIO_FORUM
            and meeting.status == Meeting.Status.SCHEDULED
            and meeting.date >= today
        ):
            pulled = _pull_voices(meeting)
        audit_record(
            actor=actor,
            action="forum.meeting_created",
            organization=actor.organization_id,
            obj=meeting,
            after={
                "kind": meeting.kind,
                "title": meeting.title,
                "date": meeting.date,
                "status": meeting.status,
                "voices_pulled": [i.voice_id for i in pulled],
            },
        )
        _index(search_docs.meeting_docs(ids=[meeting.pk]))
    return meeting


def meeting_update(
    *,
    actor: Actor,
    meeting: Meeting,
    data: Mapping[str, Any],
    version: int,
    participants: Sequence[Mapping[str, Any]] | None = None,
    organizations: Sequence[Any] | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """Change a meeting's record (summary, minutes, status …); ``version`` as for projects."""
    _require_manage(actor)
    now = now or timezone.now()
    if participants is None:
        participants = [
            {"name": p.name, "title": p.title, "organization": p.organization}
            for p in meeting.participants.select_related("organization")
        ]
    if organizations is None:
        organizations = list(meeting.organizations.all())
    clean = _validate_meeting(data, participants, organizations, today=timezone.localdate(now))
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.version != version:
            raise Conflict(code="stale_version")
        before = {f: getattr(locked, f) for f in MEETING_FIELDS}
        for f in MEETING_FIELDS:
            setattr(locked, f, clean[f])
        locked.updated_at = now
        locked.version += 1
        locked.save()
        locked.organizations.set(clean["organizations"])
        _save_participants(locked, clean["participants"])
        old, new = changes(before, {f: getattr(locked, f) for f in MEETING_FIELDS})
        audit_record(
            actor=actor,
            action="forum.meeting_updated",
            organization=actor.organization_id,
            obj=locked,
            before={k: v for k, v in old.items() if k not in ("summary", "minutes")},
            after={k: v for k, v in new.items() if k not in ("summary", "minutes")}
            | {"text_changed": sorted(set(new) & {"summary", "minutes"})},
        )
        _index(search_docs.meeting_docs(ids=[locked.pk]))
    return locked


def agenda_item_add(
    *,
    actor: Actor,
    meeting: Meeting,
    title: Any,
    notes: Any = "",
    voice: Voice | None = None,
) -> AgendaItem:
    """Add a topic to a meeting's agenda, optionally linked to a voice (once per meeting)."""
    _require_manage(actor)
    errors: dict[str, str] = {}
    fields = {"title": title, "notes": notes}
    clean_title = _text(fields, "title", errors, limit=200)
    if not clean_title and voice is not None:
        clean_title = voice.title[:200]
    if not clean_title:
        errors["title"] = _("Give the agenda topic a title.")
    clean_notes = _text(fields, "notes", errors, limit=4000)
    if errors:
        raise ValidationFailed(details=errors)
    with transaction.atomic():
        if voice is not None and AgendaItem.objects.filter(meeting=meeting, voice=voice).exists():
            raise Conflict(
                _("This request is already on the meeting's agenda."), code="agenda_duplicate"
            )
        if meeting.agenda.count() >= MAX_AGENDA:
            raise ValidationFailed(details={"title": _("The agenda is full.")})
        item = AgendaItem.objects.create(
            meeting=meeting,
            order=_next_order(meeting),
            title=clean_title,
            notes=clean_notes,
            voice=voice,
        )
        audit_record(
            actor=actor,
            action="forum.agenda_item_added",
            organization=actor.organization_id,
            obj=item,
            after={"meeting": meeting.pk, "voice": voice.pk if voice else None},
        )
        _index(search_docs.meeting_docs(ids=[meeting.pk]))
    return item


def agenda_item_update(
    *, actor: Actor, item: AgendaItem, title: Any, notes: Any = ""
) -> AgendaItem:
    """Change an agenda topic's title or notes (what was said about it)."""
    _require_manage(actor)
    errors: dict[str, str] = {}
    fields = {"title": title, "notes": notes}
    clean_title = _text(
        fields, "title", errors, limit=200, required=_("Give the agenda topic a title.")
    )
    clean_notes = _text(fields, "notes", errors, limit=4000)
    if errors:
        raise ValidationFailed(details=errors)
    with transaction.atomic():
        locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
        locked.title, locked.notes = clean_title, clean_notes
        locked.save(update_fields=["title", "notes"])
        audit_record(
            actor=actor,
            action="forum.agenda_item_updated",
            organization=actor.organization_id,
            obj=locked,
            after={"meeting": locked.meeting_id},
        )
        _index(search_docs.meeting_docs(ids=[locked.meeting_id]))
    return locked


def agenda_item_remove(*, actor: Actor, item: AgendaItem) -> None:
    _require_manage(actor)
    with transaction.atomic():
        meeting_id, voice_id = item.meeting_id, item.voice_id
        AgendaItem.objects.filter(pk=item.pk).delete()
        audit_record(
            actor=actor,
            action="forum.agenda_item_removed",
            organization=actor.organization_id,
            object_type="knowledge.agendaitem",
            object_id=str(item.pk),
            after={"meeting": meeting_id, "voice": voice_id},
        )
        _index(search_docs.meeting_docs(ids=[meeting_id]))


def next_forum_meeting(*, today: dt.date | None = None) -> Meeting | None:
    """The next scheduled CIO-forum meeting (the earliest dated today or later)."""
    today = today or timezone.localdate()
    return (
        Meeting.objects.filter(
            kind=MeetingKind.CIO_FORUM, status=Meeting.Status.SCHEDULED, date__gte=today
        )
        .order_by("date", "pk")
        .first()
    )


def forum_agenda_add_voice(*, voice: Voice, today: dt.date | None = None) -> AgendaItem | None:
    """Put a voice on the next scheduled CIO-forum meeting's agenda (called by the voices app
    when a voice reaches its co-signature threshold). Returns the existing item when the voice
    is already on an upcoming agenda, and None when no forum meeting is scheduled (the voice
    is pulled onto the next meeting when it is created)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        existing = (
            AgendaItem.objects.filter(
                voice=voice, meeting__status=Meeting.Status.SCHEDULED, meeting__date__gte=today
            )
            .order_by("meeting__date", "pk")
            .first()
        )
        if existing is not None:
            return existing
        meeting = next_forum_meeting(today=today)
        if meeting is None:
            return None
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        # Checked again under the meeting lock: two co-signatures reaching the threshold at
        # once must add one agenda item, not fail on the unique constraint.
        again = AgendaItem.objects.filter(meeting=meeting, voice=voice).first()
        if again is not None:
            return again
        item = AgendaItem.objects.create(
            meeting=meeting, order=_next_order(meeting), title=voice.title[:200], voice=voice
        )
        audit_record(
            actor=None,
            action="forum.agenda_voice_added",
            organization=voice.organization_id,
            obj=item,
            after={"meeting": meeting.pk, "voice": voice.pk},
        )
        _index(search_docs.meeting_docs(ids=[meeting.pk]))
    return item


# --------------------------------------------------------------------------- follow-up actions


def follow_up_add(
    *, actor: Actor, meeting: Meeting, data: Mapping[str, Any], now: dt.datetime | None = None
) -> FollowUpAction:
    """A follow-up action of a meeting, with an owner organisation and person and a due date;
    the owner organisation is told."""
    _require_manage(actor)
    errors: dict[str, str] = {}
    title = _text(data, "title", errors, limit=200, required=_("Say what is to be done."))
    person = _text(data, "owner_person", errors, limit=80)
    due = _day(data, "due", errors, required=True)
    org = _org_by_ref(data.get("owner_organization"))
    if org is None:
        errors["owner_organization"] = _("Choose the organisation that owns the action.")
    if errors:
        raise ValidationFailed(details=errors)
    assert org is not None and due is not None
    with transaction.atomic():
        action = FollowUpAction.objects.create(
            meeting=meeting, title=title, owner_organization=org, owner_person=person, due=due
        )
        audit_record(
            actor=actor,
            action="forum.follow_up_added",
            organization=org,
            obj=action,
            after={"meeting": meeting.pk, "title": title, "due": due, "owner": org.code},
        )
        notification_send(
            recipients=_org_staff(org.pk) if not org.is_tokyo else _managers(),
            kind="forum.follow_up_assigned",
            params={"title": title, "due": due.isoformat(), "meeting": meeting.title},
            url=f"/forum/meetings/{meeting.pk}/",
        )
    return action


def follow_up_set_status(
    *,
    actor: Actor,
    action: FollowUpAction,
    status: str,
    note: Any = "",
    now: dt.datetime | None = None,
) -> FollowUpAction:
    """Mark a follow-up action done (or open again): 都 managers, or the owner organisation."""
    require_write(actor)
    if not can(actor, Cap.FORUM_MANAGE) and not (
        can(actor, Cap.FORUM_CONTRIBUTE) and actor.organization_id == action.owner_organization_id
    ):
        raise PermissionDenied()
    errors: dict[str, str] = {}
    if status not in FollowUpAction.Status.values:
        errors["status"] = _("Choose open or done.")
    clean_note = _text({"note": note}, "note", errors, limit=500)
    if errors:
        raise ValidationFailed(details=errors)
    now = now or timezone.now()
    with transaction.atomic():
        locked = FollowUpAction.objects.select_for_update().get(pk=action.pk)
        if locked.status == status and clean_note == locked.note:
            return locked
        before = {"status": locked.status}
        locked.status = status
        locked.done_at = now if status == FollowUpAction.Status.DONE else None
        if clean_note:
            locked.note = clean_note
        locked.save(update_fields=["status", "done_at", "note"])
        audit_record(
            actor=actor,
            action="forum.follow_up_status",
            organization=locked.owner_organization_id,
            obj=locked,
            before=before,
            after={"status": status, "note": clean_note},
        )
    return locked


# --------------------------------------------------------------------------- articles, Q&A


def article_create(
    *, actor: Actor, data: Mapping[str, Any], now: dt.datetime | None = None
) -> Article:
    """Publish an article (know-how, a report of a project) under the actor's organisation."""
    _require_contribute(actor)
    errors: dict[str, str] = {}
    title = _text(data, "title", errors, limit=200, required=_("Give the article a title."))
    body = _text(
        data,
        "body",
        errors,
        limit=20000,
        required=_("Write the article (at least 10 characters)."),
        min_len=10,
    )
    topic = _choice(
        data, "topic", errors, Topic.values, default=Topic.OTHER, message=_("Choose a topic.")
    )
    visibility = _choice(
        data,
        "visibility",
        errors,
        Visibility.values,
        default=Visibility.ALL,
        message=_("Choose who may read it."),
    )
    if errors:
        raise ValidationFailed(details=errors)
    now = now or timezone.now()
    with transaction.atomic():
        article = Article.objects.create(
            title=title,
            body=body,
            topic=topic,
            visibility=visibility,
            author_id=actor.pk,
            organization_id=actor.organization_id,
            published_at=now,
        )
        audit_record(
            actor=actor,
            action="forum.article_published",
            organization=actor.organization_id,
            obj=article,
            after={"title": title, "topic": topic, "visibility": visibility},
        )
        _index(search_docs.article_docs(ids=[article.pk]))
    return article


def question_create(
    *, actor: Actor, data: Mapping[str, Any], now: dt.datetime | None = None
) -> Question:
    """Ask the other members a question."""
    _require_contribute(actor)
    errors: dict[str, str] = {}
    title = _text(data, "title", errors, limit=200, required=_("Give the question a title."))
    body = _text(
        data,
        "body",
        errors,
        limit=LONG_TEXT_MAX,
        required=_("Describe the question (at least 5 characters)."),
        min_len=5,
    )
    topic = _choice(
        data, "topic", errors, Topic.values, default=Topic.OTHER, message=_("Choose a topic.")
    )
    if errors:
        raise ValidationFailed(details=errors)
    now = now or timezone.now()
    with transaction.atomic():
        question = Question.objects.create(
            title=title,
            body=body,
            topic=topic,
            author_id=actor.pk,
            organization_id=actor.organization_id,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="forum.question_asked",
            organization=actor.organization_id,
            obj=question,
            after={"title": title, "topic": topic},
        )
        _index(search_docs.question_docs(ids=[question.pk]))
    return question


def _closed(question: Question) -> Conflict:
    return Conflict(
        _("This question is closed: it takes no more answers or changes."), code="question_closed"
    )


def answer_create(
    *, actor: Actor, question: Question, body: Any, now: dt.datetime | None = None
) -> Answer:
    """Answer an open question; the asker is told."""
    _require_contribute(actor)
    errors: dict[str, str] = {}
    text = _text(
        {"body": body},
        "body",
        errors,
        limit=LONG_TEXT_MAX,
        required=_("Write an answer (at least 5 characters)."),
        min_len=5,
    )
    if errors:
        raise ValidationFailed(details=errors)
    now = now or timezone.now()
    with transaction.atomic():
        q = Question.objects.select_for_update().get(pk=question.pk)
        if q.status == Question.Status.CLOSED:
            raise _closed(q)
        answer = Answer.objects.create(
            question=q,
            body=text,
            author_id=actor.pk,
            organization_id=actor.organization_id,
            created_at=now,
        )
        q.answer_count = q.answers.count()
        q.save(update_fields=["answer_count"])
        audit_record(
            actor=actor,
            action="forum.answer_posted",
            organization=actor.organization_id,
            obj=answer,
            after={"question": q.pk},
        )
        if q.author_id != actor.pk:
            notification_send(
                recipients=User.objects.filter(pk=q.author_id, is_active=True),
                kind="forum.question_answered",
                params={"title": q.title},
                url=f"/forum/questions/{q.pk}/",
            )
        _index(search_docs.question_docs(ids=[q.pk]))
    return answer


def _require_asker_side(actor: Actor, question: Question) -> None:
    require_write(actor)
    if can(actor, Cap.FORUM_MANAGE):
        return
    if not can(actor, Cap.FORUM_CONTRIBUTE) or actor.organization_id != question.organization_id:
        raise PermissionDenied(
            _("Only the asking organisation (or the forum's 都 managers) can do this.")
        )


def answer_accept(*, actor: Actor, question: Question, answer: Answer) -> Question:
    """Mark one answer as the accepted one (the asking organisation or 都 managers); choosing
    another answer replaces the earlier choice."""
    _require_asker_side(actor, question)
    if answer.question_id != question.pk:
        raise NotFound()
    with transaction.atomic():
        q = Question.objects.select_for_update().get(pk=question.pk)
        if q.status == Question.Status.CLOSED:
            raise _closed(q)
        before = q.accepted_answer_id
        q.accepted_answer = answer
        q.save(update_fields=["accepted_answer"])
        audit_record(
            actor=actor,
            action="forum.answer_accepted",
            organization=q.organization_id,
            obj=q,
            before={"accepted": before},
            after={"accepted": answer.pk},
        )
        if before != answer.pk and answer.author_id != actor.pk:
            notification_send(
                recipients=User.objects.filter(pk=answer.author_id, is_active=True),
                kind="forum.answer_accepted",
                params={"title": q.title},
                url=f"/forum/questions/{q.pk}/",
            )
        _index(search_docs.question_docs(ids=[q.pk]))
    return q


def question_close(*, actor: Actor, question: Question, now: dt.datetime | None = None) -> Question:
    """Close a question: no more answers, the accepted answer stays."""
    _require_asker_side(actor, question)
    now = now or timezone.now()
    with transaction.atomic():
        q = Question.objects.select_for_update().get(pk=question.pk)
        if q.status == Question.Status.CLOSED:
            raise _closed(q)
        q.status = Question.Status.CLOSED
        q.closed_at = now
        q.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action="forum.question_closed",
            organization=q.organization_id,
            obj=q,
        )
        _index(search_docs.question_docs(ids=[q.pk]))
    return q
