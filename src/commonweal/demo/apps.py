from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "commonweal.demo"
    verbose_name = "Demo city"
