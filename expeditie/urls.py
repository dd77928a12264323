"""The URL conf: the apps, log in/out, language switching and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from coalitions import views as coalition_views
from expeditie import monitoring, offline

# The 500 page shows the request's id, for a member to quote.
handler500 = "expeditie.errors.server_error"

urlpatterns = [
    path("", coalition_views.home, name="home"),
    path("gezond/", coalition_views.health, name="health"),
    path("gezond/volledig/", monitoring.full_health, name="full_health"),
    # No trailing slash: Prometheus' own default path.
    path("metrics", monitoring.metrics, name="metrics"),
    path("inloggen/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Log-out also forgets what the browser keeps of the pages (expeditie/offline.py).
    path(
        "uitloggen/",
        offline.forgets_offline_copies(auth_views.LogoutView.as_view()),
        name="logout",
    ),
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
    # Installable and offline-first: at the root, so the service worker may look after every
    # page (a worker's scope is its own folder and below).
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("offline/", offline.offline_page, name="offline"),
    path("", include("coalitions.urls")),
    path("", include("pitstops.urls")),
    path("beheer/", admin.site.urls),
]
