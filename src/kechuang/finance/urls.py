from django.urls import path

from . import views

app_name = "finance"
urlpatterns = [
    path("", views.index, name="index"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("programmes/<int:pk>/expire-due/", views.programme_expire_due, name="programme_expire_due"),
    path("reconcile/", views.reconcile, name="reconcile"),
    path("applications/", views.application_list, name="applications"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("grants/", views.grant_list, name="grants"),
    path("grants/<int:pk>/", views.grant_detail, name="grant"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("publicity/", views.publicity, name="publicity"),
    path("ledger/", views.ledger, name="ledger"),
    path("loans/", views.loan_list, name="loans"),
    path("loans/<int:pk>/", views.loan_detail, name="loan"),
    path("subsidy/", views.subsidy_list, name="subsidy"),
    path("subsidy/policies/<int:pk>/compute/", views.subsidy_compute, name="subsidy_compute"),
    path("subsidy/batches/<int:pk>/", views.batch_detail, name="batch"),
    path("subsidy/batches/<int:pk>/export.xlsx", views.batch_export, name="batch_export"),
    path("do/<str:flow>/<int:pk>/<str:action>/", views.step, name="step"),
]
