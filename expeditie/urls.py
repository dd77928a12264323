"""The URL conf: the apps, log in/out, language switching and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from coalitions import views as coalition_views
from expeditie import monitoring

# The 500 page shows the request's id, for a member to quote.
handler500 = "expeditie.errors.server_error"

urlpatterns = [
    path("", coalition_views.home, name="home"),
    path("gezond/", coalition_views.health, name="health"),
    path("gezond/volledig/", monitoring.full_health, name="full_health"),
    # No trailing slash: Prometheus' own default path.
    path("metrics", monitoring.metrics, name="metrics"),
    path("inloggen/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's own views: the current password first, then the new one, checked by the
    # validators; other devices are logged out by the new password.
    path(
        "account/wachtwoord/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "account/wachtwoord/klaar/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("taal/", login_not_required(set_language), name="set_language"),
    path("", include("coalitions.urls")),
    path("", include("pitstops.urls")),
    path("beheer/", admin.site.urls),
]
