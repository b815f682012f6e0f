from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("enterprises/<int:pk>/hte/", views.hte_assessment, name="hte"),
    path("enterprises/<int:pk>/tsme/", views.tsme_assessment, name="tsme"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/export.xlsx", views.run_export, name="run_export"),
    path("candidates/", views.candidates, name="candidates"),
    path("pool/", views.pool_list, name="pool"),
    path("pool/conversion/", views.pool_conversion, name="conversion"),
    path("pool/<int:pk>/", views.batch_detail, name="batch"),
    path("pool/<int:pk>/publication.xlsx", views.batch_publication, name="publication"),
    path("pool/<int:pk>/entries.xlsx", views.batch_entries_export, name="batch_export"),
    path("pool/<int:pk>/<slug:action>/", views.batch_action, name="batch_action"),
    path("pool/entries/<int:pk>/<slug:action>/", views.entry_action, name="entry_action"),
    path("validity/", views.validity, name="validity"),
]
