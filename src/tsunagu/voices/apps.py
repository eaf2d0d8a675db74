from django.apps import AppConfig


class VoicesConfig(AppConfig):
    name = "tsunagu.voices"
    label = "voices"
    verbose_name = "Voices to Tokyo"
    default_auto_field = "django.db.models.BigAutoField"
