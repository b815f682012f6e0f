from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("panel/", views.panel_page, name="panel"),
    path("refresh/", views.refresh_page, name="refresh"),
    path("targets/", views.targets_page, name="targets"),
    path("reports/", views.reports_home, name="reports"),
    path("reports/analysis/", views.analysis_page, name="analysis"),
    path("reports/tasks/<int:pk>/", views.task_detail, name="task"),
    path("reports/tasks/<int:task_pk>/enterprises/<int:enterprise_pk>/", views.report_form, name="report_form"),
    path("reports/<int:pk>/action/", views.report_action, name="report_action"),
]
