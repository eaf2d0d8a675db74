from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "tsunagu.network"
    label = "network"
    verbose_name = "Network models and compliance"
    default_auto_field = "django.db.models.BigAutoField"
