"""Static files as `make run` serves them: collected into content-hashed names with gzip copies."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedStaticFiles(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """A file never collected (a server started without `collectstatic`: the suite's, a quick try of
    `manage.py runserver`) is linked by its plain name, which WhiteNoise serves from static/ through the
    finders, instead of failing every page."""

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:
            return name
