"""Static file finding for third-party parts."""
from django.contrib.staticfiles.finders import AppDirectoriesFinder


class AppDirectoriesFinderWithoutNpm(AppDirectoriesFinder):
    """viewflow ships its Material frontend's npm folders, whose CSS names font files the
    package does not include; the manifest storage would refuse to collect them. Our pages
    do not use that frontend, so collectstatic leaves every node_modules folder out."""

    def list(self, ignore_patterns):
        return super().list([*(ignore_patterns or []), "node_modules"])
