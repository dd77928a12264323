"""The URL conf: the apps, log in/out, language switching and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from coalitions import views as coalition_views

urlpatterns = [
    path("", coalition_views.home, name="home"),
    path("gezond/", coalition_views.health, name="health"),
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
