"""Pages of the forum: home, peer projects (list, detail, edit, peers, connect), connect
requests, the topic map, meetings and roundtables (agenda, minutes, follow-up actions),
articles, questions and answers. Reads go through :mod:`.selectors`, writes through
:mod:`.services`; forms keep everything typed when they are refused."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from tsunagu.core.models import NetworkModel, Organization
from tsunagu.core.web import int_or, refusal_page, signed_in_user

from . import charts, selectors, services
from .models import (
    AgendaItem,
    CostBand,
    FollowUpAction,
    Meeting,
    MeetingKind,
    Project,
    Question,
    Stage,
    Topic,
    Visibility,
)

PROJECT_KEYS = (
    "title",
    "topic",
    "stage",
    "stage_on",
    "start",
    "end",
    "scale",
    "vendors",
    "cost_band",
    "network_model",
    "network_model_after",
    "summary",
    "lessons",
    "contact",
    "visibility",
)
MEETING_KEYS = (
    "kind",
    "number",
    "title",
    "date",
    "status",
    "place",
    "summary",
    "minutes",
    "source_title",
    "source_publisher",
    "source_date",
    "source_url",
)
DOC_ROWS = services.MAX_DOCUMENTS


def _flash_error(request: HttpRequest, exc: DomainError) -> None:
    details = "; ".join(str(v) for v in exc.details.values())
    messages.error(request, f"{exc.message} {details}".strip())


def _municipalities() -> list[Organization]:
    return list(Organization.objects.order_by("code"))


# --------------------------------------------------------------------------- home


@login_required
@require_GET
def forum_home_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        home = selectors.forum_home(actor=user)
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "knowledge/home.html",
        {
            "home": home,
            "may_contribute": selectors.may_contribute(user),
            "may_manage": selectors.may_manage(user),
        },
    )


# --------------------------------------------------------------------------- projects


@login_required
@require_GET
def project_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    f = {k: request.GET.get(k, "") for k in ("topic", "stage", "organization")}
    mine = request.GET.get("mine") == "1"
    welcoming = request.GET.get("welcomes") == "1"
    org = Organization.objects.filter(code=f["organization"]).first() if f["organization"] else None
    try:
        projects = list(
            selectors.project_list(
                actor=user,
                topic=f["topic"] if f["topic"] in Topic.values else None,
                stage=f["stage"] if f["stage"] in Stage.values else None,
                organization_id=org.pk if org else None,
                mine=mine,
                welcomes_contact=welcoming,
            )[:300]
        )
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "knowledge/projects.html",
        {
            "projects": projects,
            "f": f,
            "mine": mine,
            "welcoming": welcoming,
            "topics": Topic.choices,
            "stages": Stage.choices,
            "organizations": _municipalities(),
            "may_contribute": selectors.may_contribute(user),
        },
    )


def _documents_from(post: QueryDict) -> list[dict[str, str]]:
    return [
        {"title": post.get(f"doc_title_{i}", ""), "url": post.get(f"doc_url_{i}", "")}
        for i in range(DOC_ROWS)
    ]


def _document_rows(docs: list[dict[str, str]]) -> list[dict[str, Any]]:
    rows = [d for d in docs if d.get("title") or d.get("url")]
    rows += [{"title": "", "url": ""} for _blank in range(2)]
    return [{"i": i, **d} for i, d in enumerate(rows[:DOC_ROWS])]


def _project_values(project: Project) -> dict[str, Any]:
    return {
        "title": project.title,
        "topic": project.topic,
        "stage": project.stage,
        "stage_on": "",
        "start": project.start.strftime("%Y-%m") if project.start else "",
        "end": project.end.strftime("%Y-%m") if project.end else "",
        "scale": "" if project.scale is None else str(project.scale),
        "vendors": project.vendors,
        "cost_band": project.cost_band,
        "network_model": project.network_model,
        "network_model_after": project.network_model_after,
        "summary": project.summary,
        "lessons": project.lessons,
        "contact": str(project.contact_id or ""),
        "visibility": project.visibility,
        "welcomes_contact": project.welcomes_contact,
    }


def _project_form(
    request: HttpRequest,
    *,
    values: dict[str, Any],
    docs: list[dict[str, str]],
    errors: dict[str, Any],
    project: Project | None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "knowledge/project_form.html",
        {
            "values": values,
            "doc_rows": _document_rows(docs),
            "errors": errors,
            "conflict": conflict,
            "project": project,
            "topics": Topic.choices,
            "stages": Stage.choices,
            "cost_bands": CostBand.choices,
            "models": NetworkModel.choices,
            "visibilities": Visibility.choices,
            "contacts": selectors.contact_choices(actor=user),
        },
        status=status,
    )


def _project_post(request: HttpRequest) -> tuple[dict[str, Any], list[dict[str, str]]]:
    values: dict[str, Any] = {k: request.POST.get(k, "") for k in PROJECT_KEYS}
    values["welcomes_contact"] = request.POST.get("welcomes_contact") == "on"
    return values, _documents_from(request.POST)


@login_required
@require_http_methods(["GET", "POST"])
def project_new_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not selectors.may_contribute(user):
        return refusal_page(request, NotFound())
    values: dict[str, Any] = {
        "stage": Stage.PLANNED,
        "cost_band": CostBand.UNDISCLOSED,
        "network_model": NetworkModel.UNKNOWN,
        "visibility": Visibility.ALL,
        "contact": str(user.pk),
        "welcomes_contact": True,
        "topic": request.GET.get("topic", ""),
    }
    docs: list[dict[str, str]] = []
    if request.method == "POST":
        values, docs = _project_post(request)
        try:
            project = services.project_create(actor=user, data=values, documents=docs)
        except ValidationFailed as exc:
            return _project_form(
                request, values=values, docs=docs, errors=exc.details, project=None, status=422
            )
        except DomainError as exc:
            return refusal_page(request, exc)
        messages.success(request, _("The project was registered. Here are its peers."))
        return redirect("knowledge:project_peers", project_id=project.pk)
    return _project_form(request, values=values, docs=docs, errors={}, project=None)


@login_required
@require_GET
def project_detail_view(request: HttpRequest, project_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        project = selectors.project_get(actor=user, project_id=project_id)
        history = selectors.project_history(actor=user, project=project)
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "knowledge/project_detail.html",
        {
            "project": project,
            "history": history,
            "documents": list(project.documents.all()),
            "can_edit": selectors.can_edit_project(user, project),
            "own": project.organization_id == user.organization_id,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit_view(request: HttpRequest, project_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        project = selectors.project_get(actor=user, project_id=project_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    if not selectors.can_edit_project(user, project):
        return refusal_page(request, NotFound())
    values = _project_values(project) | {"version": str(project.version)}
    docs = [{"title": d.title, "url": d.url} for d in project.documents.all()]
    if request.method == "POST":
        values, docs = _project_post(request)
        values["version"] = request.POST.get("version", "")
        try:
            services.project_update(
                actor=user,
                project=project,
                data=values,
                documents=docs,
                version=int_or(values["version"], -1),
            )
        except ValidationFailed as exc:
            return _project_form(
                request, values=values, docs=docs, errors=exc.details, project=project, status=422
            )
        except Conflict as exc:
            return _project_form(
                request,
                values=values,
                docs=docs,
                errors={},
                project=project,
                status=409,
                conflict=str(exc.message),
            )
        except DomainError as exc:
            return refusal_page(request, exc)
        messages.success(request, _("The project was saved."))
        return redirect("knowledge:project_detail", project_id=project.pk)
    return _project_form(request, values=values, docs=docs, errors={}, project=project)


@login_required
@require_GET
def project_peers_view(request: HttpRequest, project_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        view = selectors.project_peers(actor=user, project_id=project_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(request, "knowledge/peers.html", {"view": view, "p": view.project})


@login_required
@require_http_methods(["GET", "POST"])
def connect_new_view(request: HttpRequest, project_id: int) -> HttpResponse:
    """Write the message of a connect request from my project to a peer project."""
    user = signed_in_user(request)
    peer_id = int_or(request.POST.get("to") or request.GET.get("to"), 0)
    try:
        mine = selectors.project_get(actor=user, project_id=project_id)
        if not selectors.can_edit_project(user, mine):
            raise NotFound()
        peer = selectors.project_get(actor=user, project_id=peer_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    message = ""
    errors: dict[str, Any] = {}
    refusal = ""
    status = 200
    if request.method == "POST":
        message = request.POST.get("message", "")
        try:
            req = services.connect_request_create(
                actor=user, from_project=mine, to_project=peer, message=message
            )
            messages.success(
                request, _("Your connect request was sent. You will be told when they answer.")
            )
            return redirect("knowledge:connect_detail", connect_id=req.pk)
        except ValidationFailed as exc:
            errors, status = exc.details, 422
        except Conflict as exc:
            refusal, status = str(exc.message), 409
        except DomainError as exc:
            return refusal_page(request, exc)
    return render(
        request,
        "knowledge/connect_form.html",
        {
            "mine": mine,
            "peer": peer,
            "message": message,
            "errors": errors,
            "refusal": refusal,
            "max_len": services.MESSAGE_MAX,
        },
        status=status,
    )


@login_required
@require_GET
def connect_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        inbox = selectors.connect_request_list(actor=user)
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(request, "knowledge/connect_list.html", {"inbox": inbox})


@login_required
@require_http_methods(["GET", "POST"])
def connect_detail_view(request: HttpRequest, connect_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        req = selectors.connect_request_get(actor=user, connect_id=connect_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("accept", "decline") or req.to_contact_id != user.pk:
            return refusal_page(request, NotFound())
        try:
            services.connect_request_answer(
                actor=user,
                request=req,
                accept=action == "accept",
                reply=request.POST.get("reply", ""),
            )
            messages.success(
                request,
                _("You are introduced: both of you can now see each other's contact details.")
                if action == "accept"
                else _("You declined the request. The asker was told."),
            )
        except (Conflict, ValidationFailed) as exc:
            _flash_error(request, exc)
        except DomainError as exc:
            return refusal_page(request, exc)
        return redirect("knowledge:connect_detail", connect_id=connect_id)
    return render(
        request,
        "knowledge/connect_detail.html",
        {
            "req": req,
            "intro": selectors.connect_introduction(actor=user, request=req),
            "can_answer": req.to_contact_id == user.pk and req.status == "open",
        },
    )


@login_required
@require_GET
def topic_map_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    topic = request.GET.get("topic", "")
    if topic not in Topic.values:
        topic = Topic.NETWORK_RENEWAL
    try:
        rows = selectors.topic_stages(actor=user, topic=topic)
        counts = selectors.topic_stage_counts(actor=user)
    except DomainError as exc:
        return refusal_page(request, exc)
    label = str(Topic(topic).label)
    tiles = charts.tile_map(_("Where each municipality is on: %(topic)s") % {"topic": label}, rows)
    by_stage: dict[str, list[Organization]] = {s: [] for s in [*Stage.values, ""]}
    for r in rows:
        by_stage[r.stage].append(r.organization)
    stage_summary = [(s, charts.stage_label(s), by_stage[s]) for s in [*reversed(Stage.values), ""]]
    return render(
        request,
        "knowledge/topic_map.html",
        {
            "topic": topic,
            "topic_label": label,
            "topics": Topic.choices,
            "tiles": tiles,
            "rows": [r for r in rows if r.projects],
            "stage_summary": stage_summary,
            "stage_chart": charts.stage_chart(_("Municipalities per topic and stage"), counts),
            "stage_table": [
                {
                    "topic": t,
                    "label": str(Topic(t).label),
                    "counts": [counts[t][s] for s in Stage.values],
                    "total": sum(counts[t].values()),
                }
                for t in Topic.values
            ],
            "legend_items": [(s, charts.stage_label(s)) for s in [*Stage.values, ""]],
            "my_code": Organization.objects.filter(pk=user.organization_id)
            .values_list("code", flat=True)
            .first(),
            "stages": Stage.choices,
        },
    )


# --------------------------------------------------------------------------- meetings


@login_required
@require_GET
def meeting_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    try:
        meetings = list(
            selectors.meeting_list(
                actor=user,
                kind=kind if kind in MeetingKind.values else None,
                status=status if status in Meeting.Status.values else None,
            )[:300]
        )
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "knowledge/meetings.html",
        {
            "meetings": meetings,
            "kind": kind,
            "status": status,
            "kinds": MeetingKind.choices,
            "statuses": Meeting.Status.choices,
            "may_manage": selectors.may_manage(user),
            "today": timezone.localdate(),
        },
    )


def _participants_from(text: str) -> list[dict[str, str]]:
    """One participant a line: ``name | title | organisation`` (the last two optional)."""
    out = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not any(parts):
            continue
        parts += ["", ""]
        out.append({"name": parts[0], "title": parts[1], "organization": parts[2]})
    return out


def _participants_text(meeting: Meeting) -> str:
    return "\n".join(
        " | ".join(x for x in (p.name, p.title, p.organization.name if p.organization else "") if x)
        if p.organization or p.title
        else p.name
        for p in meeting.participants.select_related("organization")
    )


def _meeting_form(
    request: HttpRequest,
    *,
    values: dict[str, Any],
    errors: dict[str, Any],
    meeting: Meeting | None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    return render(
        request,
        "knowledge/meeting_form.html",
        {
            "values": values,
            "errors": errors,
            "conflict": conflict,
            "meeting": meeting,
            "kinds": MeetingKind.choices,
            "statuses": Meeting.Status.choices,
            "organizations": _municipalities(),
        },
        status=status,
    )


def _meeting_post(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {k: request.POST.get(k, "") for k in MEETING_KEYS}
    values["participants"] = request.POST.get("participants", "")
    values["agenda"] = request.POST.get("agenda", "")
    values["organizations"] = request.POST.getlist("organizations")
    return values


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not selectors.may_manage(user):
        return refusal_page(request, NotFound())
    values: dict[str, Any] = {
        "kind": MeetingKind.CIO_FORUM,
        "status": Meeting.Status.SCHEDULED,
        "organizations": [],
    }
    if request.method == "POST":
        values = _meeting_post(request)
        try:
            meeting = services.meeting_create(
                actor=user,
                data=values,
                participants=_participants_from(values["participants"]),
                organizations=values["organizations"],
                agenda=values["agenda"].splitlines(),
            )
        except ValidationFailed as exc:
            return _meeting_form(
                request, values=values, errors=exc.details, meeting=None, status=422
            )
        except DomainError as exc:
            return refusal_page(request, exc)
        messages.success(request, _("The meeting was recorded."))
        return redirect("knowledge:meeting_detail", meeting_id=meeting.pk)
    return _meeting_form(request, values=values, errors={}, meeting=None)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        meeting = selectors.meeting_get(actor=user, meeting_id=meeting_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    if not selectors.may_manage(user):
        return refusal_page(request, NotFound())
    values: dict[str, Any] = {
        k: ("" if getattr(meeting, k) is None else getattr(meeting, k)) for k in MEETING_KEYS
    }
    values["date"] = meeting.date.isoformat()
    values["source_date"] = meeting.source_date.isoformat() if meeting.source_date else ""
    values["participants"] = _participants_text(meeting)
    values["organizations"] = [o.code for o in meeting.organizations.all()]
    values["version"] = str(meeting.version)
    if request.method == "POST":
        values = _meeting_post(request) | {"version": request.POST.get("version", "")}
        try:
            services.meeting_update(
                actor=user,
                meeting=meeting,
                data=values,
                participants=_participants_from(values["participants"]),
                organizations=values["organizations"],
                version=int_or(values["version"], -1),
            )
        except ValidationFailed as exc:
            return _meeting_form(
                request, values=values, errors=exc.details, meeting=meeting, status=422
            )
        except Conflict as exc:
            return _meeting_form(
                request,
                values=values,
                errors={},
                meeting=meeting,
                status=409,
                conflict=str(exc.message),
            )
        except DomainError as exc:
            return refusal_page(request, exc)
        messages.success(request, _("The meeting record was saved."))
        return redirect("knowledge:meeting_detail", meeting_id=meeting.pk)
    return _meeting_form(request, values=values, errors={}, meeting=meeting)


def _meeting_page(
    request: HttpRequest,
    meeting: Meeting,
    *,
    status: int = 200,
    form: str = "",
    form_values: dict[str, Any] | None = None,
    form_errors: dict[str, Any] | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "knowledge/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": selectors.agenda_of(actor=user, meeting=meeting),
            "follow_ups": selectors.follow_ups_of(actor=user, meeting=meeting),
            "participants": list(meeting.participants.all()),
            "organizations": list(meeting.organizations.all()),
            "may_manage": selectors.may_manage(user),
            "all_organizations": _municipalities(),
            "form": form,
            "fv": form_values or {},
            "fe": form_errors or {},
        },
        status=status,
    )


def _voice_by_ref(user: Any, ref: str) -> Any:
    if not ref:
        return None
    from tsunagu.voices.selectors import voice_list

    voice = voice_list(actor=user).filter(ref=ref.strip()).first()
    if voice is None:
        raise ValidationFailed(details={"voice": _("No request with this reference is visible.")})
    return voice


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        meeting = selectors.meeting_get(actor=user, meeting_id=meeting_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    if request.method == "GET":
        return _meeting_page(request, meeting)
    if not selectors.may_manage(user):
        return refusal_page(request, NotFound())
    action = request.POST.get("action", "")
    fv: dict[str, Any] = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    try:
        if action == "add_agenda":
            services.agenda_item_add(
                actor=user,
                meeting=meeting,
                title=fv.get("title", ""),
                notes=fv.get("notes", ""),
                voice=_voice_by_ref(user, fv.get("voice", "")),
            )
            messages.success(request, _("The topic was added to the agenda."))
        elif action in ("update_agenda", "remove_agenda"):
            item = AgendaItem.objects.filter(meeting=meeting, pk=int_or(fv.get("item"), 0)).first()
            if item is None:
                raise NotFound()
            if action == "remove_agenda":
                services.agenda_item_remove(actor=user, item=item)
                messages.success(request, _("The topic was removed from the agenda."))
            else:
                services.agenda_item_update(
                    actor=user, item=item, title=fv.get("title", ""), notes=fv.get("notes", "")
                )
                messages.success(request, _("The agenda topic was saved."))
        elif action == "add_follow_up":
            services.follow_up_add(actor=user, meeting=meeting, data=fv)
            messages.success(request, _("The follow-up action was added."))
        else:
            raise ValidationFailed(details={"action": _("Choose what to do.")})
    except ValidationFailed as exc:
        return _meeting_page(
            request, meeting, status=422, form=action, form_values=fv, form_errors=exc.details
        )
    except Conflict as exc:
        _flash_error(request, exc)
    except DomainError as exc:
        return refusal_page(request, exc)
    return redirect("knowledge:meeting_detail", meeting_id=meeting.pk)


@login_required
@require_GET
def follow_up_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    status = request.GET.get("status", FollowUpAction.Status.OPEN)
    mine = request.GET.get("mine") == "1"
    try:
        rows = selectors.follow_up_list(
            actor=user,
            status=status if status in FollowUpAction.Status.values else None,
            mine=mine,
        )
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "knowledge/follow_ups.html",
        {"rows": rows, "status": status, "mine": mine, "statuses": FollowUpAction.Status.choices},
    )


@login_required
@require_POST
def follow_up_status_view(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        action = selectors.follow_up_get(actor=user, follow_up_id=follow_up_id)
        services.follow_up_set_status(
            actor=user,
            action=action,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationFailed as exc:
        _flash_error(request, exc)
        return redirect("knowledge:meeting_detail", meeting_id=action.meeting_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    messages.success(request, _("The follow-up action was updated."))
    if request.POST.get("back") == "list":
        return redirect("knowledge:follow_ups")
    return redirect("knowledge:meeting_detail", meeting_id=action.meeting_id)


# --------------------------------------------------------------------------- articles


@login_required
@require_GET
def article_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    topic = request.GET.get("topic", "")
    try:
        articles = list(
            selectors.article_list(actor=user, topic=topic if topic in Topic.values else None)[:300]
        )
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "knowledge/articles.html",
        {
            "articles": articles,
            "topic": topic,
            "topics": Topic.choices,
            "may_contribute": selectors.may_contribute(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def article_new_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not selectors.may_contribute(user):
        return refusal_page(request, NotFound())
    values: dict[str, Any] = {"topic": Topic.OTHER, "visibility": Visibility.ALL}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("title", "body", "topic", "visibility")}
        try:
            article = services.article_create(actor=user, data=values)
            messages.success(request, _("The article was published."))
            return redirect("knowledge:article_detail", article_id=article.pk)
        except ValidationFailed as exc:
            errors, status = exc.details, 422
        except DomainError as exc:
            return refusal_page(request, exc)
    return render(
        request,
        "knowledge/article_form.html",
        {
            "values": values,
            "errors": errors,
            "topics": Topic.choices,
            "visibilities": Visibility.choices,
        },
        status=status,
    )


@login_required
@require_GET
def article_detail_view(request: HttpRequest, article_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        article = selectors.article_get(actor=user, article_id=article_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(request, "knowledge/article_detail.html", {"article": article})


# --------------------------------------------------------------------------- questions


@login_required
@require_GET
def question_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    topic = request.GET.get("topic", "")
    status = request.GET.get("status", "")
    try:
        questions = list(
            selectors.question_list(
                actor=user,
                topic=topic if topic in Topic.values else None,
                status=status if status in Question.Status.values else None,
                unanswered=request.GET.get("unanswered") == "1",
            )[:300]
        )
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "knowledge/questions.html",
        {
            "questions": questions,
            "topic": topic,
            "status": status,
            "topics": Topic.choices,
            "statuses": Question.Status.choices,
            "may_contribute": selectors.may_contribute(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_new_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not selectors.may_contribute(user):
        return refusal_page(request, NotFound())
    values: dict[str, Any] = {"topic": request.GET.get("topic", Topic.OTHER)}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("title", "body", "topic")}
        try:
            question = services.question_create(actor=user, data=values)
            messages.success(request, _("Your question was posted."))
            return redirect("knowledge:question_detail", question_id=question.pk)
        except ValidationFailed as exc:
            errors, status = exc.details, 422
        except DomainError as exc:
            return refusal_page(request, exc)
    return render(
        request,
        "knowledge/question_form.html",
        {"values": values, "errors": errors, "topics": Topic.choices},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_detail_view(request: HttpRequest, question_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        question = selectors.question_get(actor=user, question_id=question_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    answer_text = ""
    errors: dict[str, Any] = {}
    refusal = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "answer":
                answer_text = request.POST.get("body", "")
                services.answer_create(actor=user, question=question, body=answer_text)
                messages.success(request, _("Thank you. Your answer was posted."))
            elif action == "accept":
                answer = selectors.answer_get(
                    actor=user, question=question, answer_id=int_or(request.POST.get("answer"), 0)
                )
                services.answer_accept(actor=user, question=question, answer=answer)
                messages.success(request, _("The answer was marked as accepted."))
            elif action == "close":
                services.question_close(actor=user, question=question)
                messages.success(request, _("The question was closed."))
            else:
                raise ValidationFailed(details={"action": _("Choose what to do.")})
            return redirect("knowledge:question_detail", question_id=question_id)
        except ValidationFailed as exc:
            errors, status = exc.details, 422
        except Conflict as exc:
            refusal, status = str(exc.message), 409
        except DomainError as exc:
            return refusal_page(request, exc)
        question = selectors.question_get(actor=user, question_id=question_id)
    return render(
        request,
        "knowledge/question_detail.html",
        {
            "question": question,
            "answers": selectors.answers_of(actor=user, question=question),
            "may_answer": selectors.may_contribute(user) and question.status == "open",
            "may_accept": selectors.may_accept(user, question) and question.status == "open",
            "answer_text": answer_text,
            "errors": errors,
            "refusal": refusal,
        },
        status=status,
    )
