"""The system checks that refuse an unsafe production configuration."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from commonweal.core.checks import check_production_safety, check_time_zone, secret_key_is_weak

STRONG = "k" * 30 + "0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize(
    "key, weak",
    [
        ("django-insecure-" + "x" * 60, True),
        ("short", True),
        ("a" * 80, True),
        (STRONG, False),
    ],
)
def test_weak_secret_keys_are_recognised(key, weak):
    assert secret_key_is_weak(key) is weak


@override_settings(DEBUG=False, SECRET_KEY="django-insecure-dev", ALLOWED_HOSTS=["*"])
def test_debug_off_with_a_default_key_and_any_host_is_refused():
    ids = {message.id for message in check_production_safety(None)}
    assert ids == {"commonweal.E001", "commonweal.E002"}


@override_settings(DEBUG=True, SECRET_KEY="django-insecure-dev", ALLOWED_HOSTS=["*"])
def test_debug_on_allows_a_development_setup():
    assert check_production_safety(None) == []


@override_settings(DEBUG=False, SECRET_KEY=STRONG, ALLOWED_HOSTS=["311.example.gov"])
def test_a_safe_production_setup_passes():
    assert check_production_safety(None) == []


@override_settings(TIME_ZONE="Narnia/Cair_Paravel")
def test_an_unknown_time_zone_is_refused():
    assert [message.id for message in check_time_zone(None)] == ["commonweal.E003"]


@override_settings(DEBUG=False, SECRET_KEY="django-insecure-dev")
def test_management_commands_refuse_to_run_on_an_unsafe_setup():
    with pytest.raises(SystemCheckError, match="commonweal.E001"):
        call_command("check")


def test_the_generated_secret_key_is_kept_and_private(tmp_path):
    from commonweal.settings import read_or_create_secret_key

    key = read_or_create_secret_key(tmp_path)
    assert not secret_key_is_weak(key)
    assert read_or_create_secret_key(tmp_path) == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
