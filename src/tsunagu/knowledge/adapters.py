"""ORM rows ⇄ the peers engine's dataclasses (the only bridge between the two)."""

from __future__ import annotations

from tsunagu.engines.peers import ProjectFacts

from .models import Project


def project_facts(project: Project) -> ProjectFacts:
    return ProjectFacts(
        id=project.pk,
        org_id=project.organization_id,
        topic=project.topic,
        stage=project.stage,
        start=project.start,
        end=project.end,
        scale=project.scale,
        model=project.network_model,
        model_after=project.network_model_after,
        welcomes_contact=project.welcomes_contact and project.contact_id is not None,
    )
