from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.policy_create, name="create"),
    path("<int:pk>/", views.policy_detail, name="detail"),
    path("<int:pk>/edit/", views.policy_edit, name="edit"),
    path("<int:pk>/eligible/", views.policy_eligible, name="eligible"),
    path("<int:pk>/eligible.xlsx", views.policy_eligible_export, name="eligible_export"),
    path("awards/", views.award_list, name="awards"),
    path("awards/<int:pk>/", views.award_detail, name="award"),
    path("calculator/", views.calculator_index, name="calculator_index"),
    path("calculator/<int:enterprise_id>/", views.calculator, name="calculator"),
    path("competitions/", views.competition_list, name="competitions"),
    path("competitions/new/", views.competition_create, name="competition_create"),
    path("competitions/<int:pk>/", views.competition_detail, name="competition"),
    path("competitions/<int:pk>/edit/", views.competition_edit, name="competition_edit"),
    path("competitions/<int:pk>/<str:what>/", views.competition_post, name="competition_post"),
    path("rounds/<int:pk>/scores/", views.round_scores, name="round_scores"),
    path("rounds/<int:pk>/<str:action>/", views.round_action, name="round_action"),
    path("trainings/", views.training_list, name="trainings"),
    path("trainings/new/", views.training_create, name="training_create"),
    path("trainings/<int:pk>/", views.training_detail, name="training"),
    path("trainings/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("trainings/<int:pk>/<str:what>/", views.training_post, name="training_post"),
    path("fairs/", views.fair_list, name="fairs"),
    path("fairs/new/", views.fair_create, name="fair_create"),
    path("fairs/<int:pk>/", views.fair_detail, name="fair"),
    path("fairs/<int:pk>/edit/", views.fair_edit, name="fair_edit"),
    path("fairs/<int:pk>/<str:what>/", views.fair_post, name="fair_post"),
    path("tasks/", views.task_board, name="tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
]
