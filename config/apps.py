"""App configuration overrides for third-party parts."""
from django.contrib.staticfiles.apps import StaticFilesConfig


class CaseworkStaticFilesConfig(StaticFilesConfig):
    # viewflow ships its Material frontend's npm folders, whose CSS names font files the
    # package does not include; the manifest storage would refuse to collect them. Our
    # pages do not use that frontend, so its node_modules are left out of collectstatic.
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "node_modules"]
