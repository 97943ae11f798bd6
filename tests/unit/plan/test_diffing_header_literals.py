"""Literal values of secret-looking headers (--allow-plaintext-credentials) never show in changes."""

from mlgitops.plan.actions import Change
from mlgitops.plan.diffing import SENSITIVE, SENSITIVE_CHANGED, build_changes, masked_change
from mlgitops.plan.rendering import format_change

LITERAL = "sk-literal-header-6d1f"


def action(headers: dict[str, str]) -> dict[str, object]:
    return {"actions": [{"method": "POST", "headers": headers}]}


def test_an_added_connector_masks_literal_secret_headers_only() -> None:
    after = action({"Authorization": f"Bearer {LITERAL}", "X-Api-Key": LITERAL, "content-type": "json"})
    (change,) = build_changes({}, after)
    assert change.after == [
        {
            "method": "POST",
            "headers": {"Authorization": SENSITIVE, "X-Api-Key": SENSITIVE, "content-type": "json"},
        }
    ]
    assert LITERAL not in format_change(change)


def test_a_changed_literal_header_shows_as_a_sensitive_change() -> None:
    before, after = action({"Authorization": "Bearer old"}), action({"Authorization": f"Bearer {LITERAL}"})
    (change,) = build_changes(before, after)
    assert change == Change("actions[0].headers.Authorization", SENSITIVE, SENSITIVE_CHANGED, sensitive=True)
    assert format_change(change) == f"~ actions[0].headers.Authorization: {SENSITIVE} -> {SENSITIVE_CHANGED}"


def test_credential_templates_and_other_fields_are_still_shown() -> None:
    before = action({"Authorization": "Bearer ${credential.old}"})
    after = action({"Authorization": "Bearer ${credential.new}"})
    (change,) = build_changes(before, after)
    assert change == Change(
        "actions[0].headers.Authorization", "Bearer ${credential.old}", "Bearer ${credential.new}"
    )
    (other,) = build_changes({"description": "a"}, {"description": LITERAL})
    assert other.after == LITERAL  # only header values are judged by name


def test_a_created_field_is_masked_too() -> None:
    change = masked_change(["actions"], None, action({"x-auth-token": LITERAL})["actions"])
    assert change == Change("actions", None, [{"method": "POST", "headers": {"x-auth-token": SENSITIVE}}])
