from django.apps import AppConfig


class TalentConfig(AppConfig):
    name = "tsunagu.talent"
    label = "talent"
    verbose_name = "Shared digital experts"
    default_auto_field = "django.db.models.BigAutoField"
