from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "tsunagu.gateway"
    label = "gateway"
    verbose_name = "Security-cloud gateway"
    default_auto_field = "django.db.models.BigAutoField"
