from django.urls import include, path

from tsunagu.config.api import api

urlpatterns = [
    path("accounts/", include("tsunagu.accounts.urls")),
    path("notifications/", include("tsunagu.notifications.urls")),
    path("gateway/", include("tsunagu.gateway.urls")),
    path("network/", include("tsunagu.network.urls")),
    path("talent/", include("tsunagu.talent.urls")),
    path("voices/", include("tsunagu.voices.urls")),
    path("forum/", include("tsunagu.knowledge.urls")),
    path("search/", include("tsunagu.search.urls")),
    path("consortium/", include("tsunagu.consortium.urls")),
    path("api/v1/", api.urls),
    path("", include("tsunagu.core.urls")),
]

handler400 = "tsunagu.core.views.bad_request_view"
handler403 = "tsunagu.core.views.permission_denied_view"
handler404 = "tsunagu.core.views.not_found_view"
handler500 = "tsunagu.core.views.server_error_view"
