from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; before `collectstatic` has run, names fall back
    to the unhashed file so that tests and a first `runserver` still render."""

    manifest_strict = False
