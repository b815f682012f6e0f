"""Pages of the core app: account management (system administrator) and the audit trail (security auditor)."""
from django.urls import path

from . import views_accounts, views_audit

app_name = "core"

urlpatterns = [
    path("accounts/", views_accounts.account_list, name="accounts"),
    path("accounts/new/", views_accounts.account_new, name="account_new"),
    path("accounts/<int:pk>/", views_accounts.account_edit, name="account"),
    path("accounts/<int:pk>/<str:action>/", views_accounts.account_action, name="account_action"),
    path("audit/", views_audit.audit_log, name="audit"),
]
