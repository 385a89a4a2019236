from django.contrib.auth import views as auth_views
from django.urls import path

from commonweal.analytics import views as performance
from commonweal.console import intake, views

app_name = "console"

urlpatterns = [
    path("", views.home, name="index"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name="console/login.html"),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("queue/", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("new/", intake.intake, name="intake"),
    path("cases/<str:public_id>/", views.case_detail, name="case"),
    path("cases/<str:public_id>/act/<str:action>/", views.act, name="act"),
    path("cases/<str:public_id>/propose/<str:action>/", views.propose, name="propose"),
    path("cases/<str:public_id>/contact/", views.contact, name="contact"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/decide/", views.decide, name="decide"),
    path("appeals/", views.appeals_queue, name="appeals"),
    path("appeals/<int:pk>/decide/", views.decide_appeal, name="decide-appeal"),
    path("complaints/", views.complaints_queue, name="complaints"),
    path("complaints/<int:pk>/answer/", views.answer_complaint, name="answer-complaint"),
    path("matrix/", views.matrix, name="matrix"),
    path("performance/", performance.dashboard, name="performance"),
    path("performance/api/<str:kpi>.<str:format>", performance.kpi_api, name="kpi-api"),
    path("matrix/new/", views.matrix_rule, name="rule-new"),
    path("matrix/<int:pk>/", views.matrix_rule, name="rule"),
]
