from django.apps import AppConfig


class ConsortiumConfig(AppConfig):
    name = "tsunagu.consortium"
    label = "consortium"
    verbose_name = "Joint-use cloud groups"
    default_auto_field = "django.db.models.BigAutoField"
