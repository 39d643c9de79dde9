"""viewflow beyond its public API is called from one module, written for one version: this
fails loudly when another viewflow is installed (read workflows/viewflow_calls.py against
its source first, then move the pins), or when a private call appears anywhere else."""
import re
from pathlib import Path

from django.core.management import call_command

from workflows import viewflow_calls

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "workflows/viewflow_calls.py"


def test_the_installed_viewflow_is_the_one_the_wrapper_was_written_for():
    assert viewflow_calls.installed_viewflow() == viewflow_calls.VIEWFLOW_CHECKED, (
        "django-viewflow changed: check workflows/viewflow_calls.py against the new source")


def test_the_lock_and_pyproject_pin_that_version():
    checked = viewflow_calls.VIEWFLOW_CHECKED
    locks = [p for p in ROOT.glob("requirements*.lock")]
    assert locks and all(f"django-viewflow=={checked}\n" in p.read_text() for p in locks
                         if "django-viewflow" in p.read_text())
    major, minor, _ = checked.split(".")
    assert f'"django-viewflow>={checked},<{major}.{int(minor) + 1}"' in (
        ROOT / "pyproject.toml").read_text()


def test_no_private_viewflow_call_outside_the_wrapper():
    private = re.compile(r"\._activate_next\(|\._create\(|viewflow\.workflow\.chart|"
                         r"from viewflow\.workflow import chart|get_task_ref")
    found = [str(p.relative_to(ROOT)) for base in ("casework", "workflows", "notifications",
                                                   "config")
             for p in (ROOT / base).rglob("*.py")
             if p != WRAPPER and "migrations" not in p.parts and private.search(p.read_text())]
    assert found == []


def test_the_system_check_warns_of_another_version(monkeypatch):
    assert viewflow_calls.check_viewflow_version() == []
    monkeypatch.setattr(viewflow_calls, "installed_viewflow", lambda: "2.9.0")
    (warning,) = viewflow_calls.check_viewflow_version()
    assert warning.id == "workflows.W001" and "2.9.0" in warning.msg
    call_command("check")  # a warning, not an error: the site still starts
