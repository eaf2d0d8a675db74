from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/", views.mfa_view, name="mfa"),
    path("mfa/webauthn/begin/", views.mfa_webauthn_begin_view, name="mfa_webauthn_begin"),
    path("mfa/webauthn/complete/", views.mfa_webauthn_complete_view, name="mfa_webauthn_complete"),
    path("security/", views.security_view, name="security"),
    path("security/webauthn/begin/", views.webauthn_register_begin_view, name="webauthn_begin"),
    path(
        "security/webauthn/complete/",
        views.webauthn_register_complete_view,
        name="webauthn_complete",
    ),
    path(
        "security/webauthn/<int:credential_id>/delete/",
        views.webauthn_delete_view,
        name="webauthn_delete",
    ),
    path("security/totp/", views.totp_setup_view, name="totp_setup"),
    path("security/totp/<int:device_id>/delete/", views.totp_delete_view, name="totp_delete"),
    path("security/recovery-codes/", views.recovery_codes_view, name="recovery_codes"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("language/", views.language_view, name="language"),
]
