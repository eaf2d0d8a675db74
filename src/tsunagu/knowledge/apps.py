from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "tsunagu.knowledge"
    label = "knowledge"
    verbose_name = "Peer projects and forum knowledge"
    default_auto_field = "django.db.models.BigAutoField"
