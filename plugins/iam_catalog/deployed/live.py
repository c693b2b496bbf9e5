"""A role as it runs in an AWS account, read through the IAM API for `check --aws`.

boto3 is an optional extra (`iam-catalog[aws]`) and is imported here only, when a live check
runs: print-iam and every other command start without it. Credentials come from boto3's own
chain (environment, profiles, SSO, instance metadata) and `AWS_ENDPOINT_URL` is honoured. Every
fault is one `LiveError` line that never holds a credential.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iam_catalog.deployed.sources import IDENTITY, TRUST, Deployed, InputError, policy_document

# Bounded, so that an unreachable endpoint or a throttled account answers within a minute.
RETRIES = {"mode": "standard", "max_attempts": 4}
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10
EXTRA = "iam-catalog[aws]"
NO_SUCH_ENTITY = "NoSuchEntity"  # IAM's answer for a role that does not exist
PAGE_SIZE = 100  # IAM's most items a page: a role's policies take one call in most accounts


class LiveError(Exception):
    """A live read that failed: one line for the reader; `code`, AWS's error code, if AWS gave one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class LiveRole:
    arn: str
    deployed: Deployed
    # Each database-user role's trust policy, by name; None for a role that does not exist.
    trusts: dict[str, dict[str, Any] | None] = field(default_factory=dict)


def _secrets(session: Any) -> list[str]:
    try:
        credentials = session.get_credentials()
    except Exception:  # a broken profile is reported by the first call instead
        return []
    if credentials is None:
        return []
    frozen = credentials.get_frozen_credentials()
    return [s for s in (frozen.access_key, frozen.secret_key, frozen.token) if s]


class _Reader:
    def __init__(self, profile: str | None, region: str | None, endpoint_url: str | None) -> None:
        try:
            import boto3
            from botocore import xform_name
            from botocore.config import Config
        except ImportError:
            raise LiveError(f"check --aws needs boto3: pip install '{EXTRA}'") from None
        import botocore.exceptions as errors

        self.errors = errors
        self.method_name = xform_name  # GetRole: get_role, as botocore names a client's methods
        try:
            session = boto3.Session(profile_name=profile, region_name=region)
        except errors.ProfileNotFound:
            raise LiveError(f"no AWS profile named {profile!r} in the AWS configuration") from None
        self.secrets = _secrets(session)
        config = Config(retries=dict(RETRIES), connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT)
        try:
            self.iam = session.client("iam", endpoint_url=endpoint_url, config=config)
        except ValueError as exc:  # a malformed endpoint URL
            raise LiveError(f"--endpoint-url: {exc}") from None
        self.prefix = self.iam.meta.service_model.signing_name

    def _hide(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One IAM call by its API name; every fault becomes one LiveError line."""
        action = f"{self.prefix}:{operation}"
        method = getattr(self.iam, self.method_name(operation))
        try:
            result: dict[str, Any] = method(**kwargs)
            return result
        except self.errors.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            raise LiveError(self._hide(self._client_error(exc, action)), code) from None
        except self.errors.NoCredentialsError:
            raise LiveError(
                "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID, sign in with aws sso login,"
                " or run where instance credentials are"
            ) from None
        except (self.errors.EndpointConnectionError, self.errors.ConnectTimeoutError, self.errors.ReadTimeoutError):
            raise LiveError(
                self._hide(f"cannot reach the IAM endpoint {self.iam.meta.endpoint_url} (for {action})")
            ) from None
        except self.errors.BotoCoreError as exc:
            raise LiveError(self._hide(f"{action}: {exc}")) from None

    def pages(self, operation: str, key: str, **kwargs: Any) -> list[Any]:
        """Every item of a listing, page after page."""
        items: list[Any] = []
        marker: str | None = None
        while True:
            page = self.call(operation, **kwargs, MaxItems=PAGE_SIZE, **({"Marker": marker} if marker else {}))
            items += page.get(key) or []
            if not page.get("IsTruncated"):
                return items
            marker = page.get("Marker")

    def _client_error(self, exc: Any, action: str) -> str:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", "")
        if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
            return f"{action}: the AWS credentials have expired ({code}): sign in again"
        if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"):
            return f"{action}: AWS does not accept these credentials ({code})"
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return (
                f"{action}: access denied to the credentials that run the check: grant them what"
                " iam-catalog check --aws --print-read-policy prints"
            )
        if code in ("Throttling", "ThrottlingException", "RequestLimitExceeded"):
            attempts = RETRIES["max_attempts"]
            return f"{action}: AWS throttled the request {attempts} times ({code}): try again later"
        return f"{action}: {code}: {message}"


def _document(doc: Any, where: str, kind: str = IDENTITY) -> dict[str, Any]:
    try:
        return policy_document(doc, where, "$", kind)
    except InputError as exc:
        raise LiveError(str(exc)) from None


def _managed(reader: _Reader, arn: str) -> tuple[str, dict[str, Any]]:
    """A managed policy at its default version."""
    policy = reader.call("GetPolicy", PolicyArn=arn)["Policy"]
    version = reader.call("GetPolicyVersion", PolicyArn=arn, VersionId=policy["DefaultVersionId"])
    where = f"{arn} ({policy['DefaultVersionId']})"
    return policy.get("PolicyName", arn), _document(version["PolicyVersion"]["Document"], where)


def read_role(
    role: str,
    user_roles: list[str],
    *,
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
) -> LiveRole:
    """The role's inline policies, its managed policies at their default versions, its
    boundary, and each database-user role's trust policy."""
    reader = _Reader(profile, region, endpoint_url)
    try:
        found = reader.call("GetRole", RoleName=role)["Role"]
    except LiveError as exc:
        if exc.code == NO_SUCH_ENTITY:
            raise LiveError(f"no role named {role!r} in this account", exc.code) from None
        raise
    deployed = Deployed()
    for name in reader.pages("ListRolePolicies", "PolicyNames", RoleName=role):
        doc = reader.call("GetRolePolicy", RoleName=role, PolicyName=name)["PolicyDocument"]
        deployed.policies.append((name, _document(doc, f"{role}'s inline policy {name}")))
    attached = reader.pages("ListAttachedRolePolicies", "AttachedPolicies", RoleName=role)
    for item in attached:
        deployed.policies.append(_managed(reader, item["PolicyArn"]))
    boundary = found.get("PermissionsBoundary")
    if boundary:
        deployed.boundary = _managed(reader, boundary["PermissionsBoundaryArn"])
    deployed.notes.append(
        f"role {found['Arn']}: {len(deployed.policies) - len(attached)} inline and {len(attached)} managed"
        " policies" + (", a permissions boundary" if deployed.boundary else "")
    )
    trusts: dict[str, dict[str, Any] | None] = {}
    for name in user_roles:
        try:
            user = reader.call("GetRole", RoleName=name.rpartition("/")[2])["Role"]
        except LiveError as exc:
            if exc.code != NO_SUCH_ENTITY:
                raise
            trusts[name] = None
            continue
        trusts[name] = _document(user["AssumeRolePolicyDocument"], f"{name}'s trust policy", TRUST)
    return LiveRole(found["Arn"], deployed, trusts)
