from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(template_name="web/password_change.html"),
         name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(template_name="web/password_done.html"),
         name="password_change_done"),
    path("imports/", views.imports, name="imports"),
    path("imports/<str:kind>/template.xlsx", views.import_template, name="import_template"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
