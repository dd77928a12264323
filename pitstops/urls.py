from django.urls import path

from . import views

app_name = "pitstops"

urlpatterns = [
    path("expeditie/<slug:expedition>/pitstop/<int:number>/verslag/", views.report, name="report"),
]
