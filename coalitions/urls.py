from django.urls import path

from . import views

app_name = "coalitions"

urlpatterns = [
    path("expeditie/<slug:slug>/", views.expedition_detail, name="expedition"),
    path(
        "expeditie/<slug:expedition>/coalitie/<slug:slug>/",
        views.coalition_detail,
        name="coalition",
    ),
]
