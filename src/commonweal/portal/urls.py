from django.urls import path

from commonweal.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("report/<slug:service_code>/", views.report, name="report"),
    path("report/sent/<str:public_id>/", views.sent, name="sent"),
    path("track/", views.track, name="track"),
    path("track/<str:public_id>/", views.follow, name="follow"),
    path("track/<str:public_id>/appeal/", views.appeal, name="appeal"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("complaints/", views.complaint, name="complaint"),
    path("account/sign-in/", views.sign_in, name="sign-in"),
    path("account/sign-in/<str:token>/", views.sign_in_with_link, name="sign-in-link"),
    path("account/requests/", views.my_requests, name="my-requests"),
    path("account/sign-out/", views.sign_out, name="sign-out"),
    path("charter/", views.charter, name="charter"),
    path("charter/<slug:service_code>/", views.charter_service, name="charter-service"),
]
