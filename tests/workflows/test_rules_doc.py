"""docs/deadline-rules.md lists every shipped rule version with its basis and its state:
a rule added or changed without the page fails here."""
from pathlib import Path

from django.conf import settings

from workflows.default_rules import DEFAULT_RULES

DOC = Path(settings.BASE_DIR) / "docs" / "deadline-rules.md"


def _state(rule):
    if rule.get("confirmed"):
        return "đã đối chiếu"
    return "quy định nội bộ" if "nội bộ" in rule.get("source_title", "") else "chưa xác nhận"


def test_every_rule_version_is_listed_with_its_basis_and_state():
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 8:
            rows[(cells[0].strip("`"), cells[4])] = cells
    shipped = {(r["code"], f"{r['effective_from']:%d/%m/%Y}"): r for r in DEFAULT_RULES}
    assert set(rows) == set(shipped)
    for key, rule in shipped.items():
        cells = rows[key]
        assert cells[5] == rule["legal_basis"], key
        assert cells[7] == _state(rule), key
        assert rule.get("source_article", "") in cells[6], key
        # The start event, the length and the condition: a changed count fails here too.
        assert cells[3].startswith(rule["start_event"]), key
        if rule["length"]:
            assert cells[2].startswith(f"{rule['length']:02d} "), key
        assert ("vùng sâu" in cells[3]) == (rule.get("start_condition") == "remote_area"), key
