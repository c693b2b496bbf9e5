"""A role as it runs in an AWS account, read through the IAM API for `check --aws`.

boto3 is an optional extra (`iam-catalog[aws]`) and is imported here only, when a live check
runs: print-iam and every other command start without it. Credentials come from boto3's own
chain (environment, profiles, SSO, instance metadata) and `AWS_ENDPOINT_URL` is honoured.

What an endpoint answers is untrusted input, as an operator's file is:

- botocore signs each request and this module sends it (botocore's `before-send` event, through
  botocore's own HTTP session, so proxies and CA bundles still apply) and reads the answer in
  chunks: at most MAX_ANSWER bytes, and no read past the check's one DEADLINE, however slowly the
  bytes come. An answer that declares XML entities is refused before it is parsed.
- Policy documents reach `sources.policy_document` as IAM sends them (URL-encoded JSON), not
  botocore's `json.loads` of them: one grammar, one set of refusals, the same limits as files.
- Every field read is checked for its type; a list has at most MAX_PAGES pages and no marker
  twice.
- Nothing the endpoint sent is ever printed in an error: a fault is named by the call and its
  kind, and an error code only where AWS documents it.
- An answer that holds the caller's credentials (its keys, its session token, the request's
  signature), in any form the readers decode, is refused: IAM never sends them back, so no
  output can carry them.

Every fault is one `LiveError` line.
"""

from __future__ import annotations

import base64
import html
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from iam_catalog.deployed.reader import TOO_DEEP
from iam_catalog.deployed.sources import IDENTITY, TRUST, Deployed, InputError, policy_document

# The whole check ends within a minute: no request is sent and no read begins DEADLINE seconds
# after it starts, and the last one waits at most CONNECT_TIMEOUT to connect and READ_TIMEOUT for
# a byte (botocore's standard retries, four attempts, fit inside).
DEADLINE = 45.0
RETRIES = {"mode": "standard", "max_attempts": 4}
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10
MAX_ANSWER = 1024 * 1024  # bytes of one answer: IAM's largest here, a page of 100 names, is a few KB
MAX_PAGES = 100  # of one list: 10,000 items, far past any role's policies
CHUNK = 16 * 1024
EXTRA = "iam-catalog[aws]"
NO_SUCH_ENTITY = "NoSuchEntity"  # IAM's answer for a role that does not exist
PAGE_SIZE = 100  # IAM's most items a page: a role's policies take one call in most accounts

# The error codes that every AWS query API may answer with, beside the service's own modelled ones.
_EXPIRED = ("ExpiredToken", "ExpiredTokenException", "RequestExpired")
_NOT_ACCEPTED = ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException")
_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
_THROTTLED = ("Throttling", "ThrottlingException", "RequestLimitExceeded")
_COMMON = (*_EXPIRED, *_NOT_ACCEPTED, *_DENIED, *_THROTTLED, "InternalFailure", "ServiceUnavailable", "ValidationError")
_ENTITIES = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_JSON_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})")
_SIGNED = re.compile(r"(?:Credential=([^/,\s]+)|Signature=([0-9a-fA-F]+))")


def _unescaped(escape: re.Match[str]) -> str:
    return chr(int(escape[1], 16))


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


def shown_endpoint(url: str) -> str:
    """An endpoint URL as a line may show it: scheme, host and port, or a LiveError. A user name
    or password in the URL is refused, since botocore would send neither and a line would show both."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:  # an unclosed [ of an IPv6 host
        raise LiveError("--endpoint-url: not a URL IAM can be reached at") from None
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise LiveError("--endpoint-url: its port is not a number from 1 to 65535")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LiveError("--endpoint-url: not a URL IAM can be reached at (it needs http:// or https:// and a host)")
    if parts.username is not None or parts.password is not None:
        raise LiveError("--endpoint-url: holds a user name or password: give the endpoint alone")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _needles(secret: str) -> Iterator[tuple[str, bool]]:
    """What a secret looks like in text (the needle, and whether to compare without case): itself,
    and its base64 at each of the three alignments it can have inside a longer base64 text."""
    yield secret.lower(), True
    data = secret.encode()
    for skip in range(3):
        encoded = base64.b64encode(b"\0" * skip + data).decode()
        start = (skip * 4 + 2) // 3  # the characters that also encode the padding's bits
        end = len(encoded) - (4 if (skip + len(data)) % 3 else 0)  # and those of what follows
        if end - start >= 8:
            yield encoded[start:end], False


class _Secrets:
    """The caller's credentials and each request's signature: what no answer may hold."""

    def __init__(self) -> None:
        self.folded: set[str] = set()
        self.exact: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 8:
            for needle, fold in _needles(secret):
                (self.folded if fold else self.exact).add(needle)

    def held(self, text: str) -> bool:
        """Whether `text` holds a secret: as it is, or once its percent, XML or JSON escapes are read."""
        for form in {text, urllib.parse.unquote(text), html.unescape(text), _JSON_ESCAPE.sub(_unescaped, text)}:
            folded = form.lower()
            if any(s in folded for s in self.folded) or any(s in form for s in self.exact):
                return True
        return False

    def in_value(self, value: Any) -> bool:
        """Whether any text of a parsed answer, keys included, holds a secret."""
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                if self.held(item):
                    return True
            elif isinstance(item, dict):
                stack += [*item.keys(), *item.values()]
            elif isinstance(item, list | tuple):
                stack += item
        return False


def _echoed(action: str) -> LiveError:
    return LiveError(
        f"{action}: the answer holds the credentials the request was signed with, which IAM never sends"
        " back: is the endpoint AWS's?"
    )


class _Body:
    """An answer already read, as botocore's AWSResponse reads its `raw`."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


class _Reader:
    def __init__(self, profile: str | None, region: str | None, endpoint_url: str | None) -> None:
        try:
            import boto3
            from botocore import handlers, xform_name
            from botocore.config import Config
        except ImportError:
            raise LiveError(f"check --aws needs boto3: pip install '{EXTRA}'") from None
        import botocore.awsrequest
        import botocore.exceptions as errors

        self.deadline = time.monotonic() + DEADLINE
        self.errors, self.awsrequest = errors, botocore.awsrequest
        self.method_name = xform_name  # GetRole: get_role, as botocore names a client's methods
        if endpoint_url is not None:
            shown_endpoint(endpoint_url)
        try:
            session = boto3.Session(profile_name=profile, region_name=region)
        except errors.ProfileNotFound:
            raise LiveError(f"no AWS profile named {profile!r} in the AWS configuration") from None
        self.secrets = _Secrets()
        self._credentials(session)
        config = Config(retries=dict(RETRIES), connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT)
        try:
            self.iam = session.client("iam", endpoint_url=endpoint_url, config=config)
        except ValueError:  # a malformed endpoint URL, from AWS_ENDPOINT_URL or the configuration
            raise LiveError("the IAM endpoint is not a URL (--endpoint-url, AWS_ENDPOINT_URL)") from None
        self.endpoint = shown_endpoint(self.iam.meta.endpoint_url)
        self.prefix = self.iam.meta.service_model.signing_name
        model = self.iam.meta.service_model
        self.documented = {*_COMMON, *(s.metadata.get("error", {}).get("code", s.name) for s in model.error_shapes)}
        self.iam.meta.events.unregister("after-call.iam", handlers.json_decode_policies)
        self.iam.meta.events.register_first("before-send.iam", self._send)
        self.action, self.sent = "", False

    def _credentials(self, session: Any) -> None:
        try:
            credentials = session.get_credentials()
        except Exception:  # a broken profile is reported by the first call instead
            return
        if credentials is not None:
            frozen = credentials.get_frozen_credentials()
            for secret in (frozen.access_key, frozen.secret_key, frozen.token):
                self.secrets.add(secret)

    def _hide(self, text: str) -> str:
        """A line about the caller's own set-up (a profile, a credential provider) without its secrets."""
        return "the credential chain failed" if self.secrets.held(text) else text

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise LiveError(
                f"{self.action}: the live check ran out of its {DEADLINE:.0f} s (IAM endpoint {self.endpoint}):"
                " the endpoint answers too slowly"
            )
        return left

    def _send(self, request: Any, **_: Any) -> Any:
        """Send one signed request and read its answer, within the bounds (botocore's `before-send`)."""
        self._left()
        self.sent = True
        headers = request.headers
        for name in ("Authorization", "X-Amz-Security-Token"):
            value = headers.get(name)
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            self.secrets.add(text)
            # The signature, and the access key the request was signed with (refreshed ones too).
            for found in _SIGNED.finditer(text or ""):
                self.secrets.add(found[1] or found[2])
        request.stream_output = True  # botocore's session would read the whole body itself
        response = self.iam._endpoint.http_session.send(request)
        body = bytearray()
        try:
            while self._left() and (chunk := response.raw.read1(CHUNK)):
                body += chunk
                if len(body) > MAX_ANSWER:
                    raise LiveError(f"{self.action}: an answer past {MAX_ANSWER // 1024} KiB: not IAM's")
        except BaseException as exc:
            response.raw.close()  # a connection left half read is never used again
            if isinstance(exc, LiveError | KeyboardInterrupt):
                raise
            # urllib3's read timeout or a connection closed midway: named by its kind, never quoted.
            raise LiveError(
                f"{self.action}: the IAM endpoint {self.endpoint} broke off its answer ({type(exc).__name__})"
            ) from None
        response.raw.release_conn()
        data = bytes(body)
        if self.secrets.held(data.decode("latin-1")):
            raise _echoed(self.action)
        if 300 <= response.status_code < 400:  # IAM never redirects; its errors are 4xx and 5xx
            raise LiveError(
                f"{self.action}: the endpoint {self.endpoint} redirects (HTTP {response.status_code}): give IAM's own"
            )
        if _ENTITIES.search(data):
            raise LiveError(f"{self.action}: the answer declares XML entities, which IAM's never do")
        return self.awsrequest.AWSResponse(request.url, response.status_code, response.headers, _Body(data))

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One IAM call by its API name; every fault becomes one LiveError line."""
        self.action, self.sent = f"{self.prefix}:{operation}", False
        method = getattr(self.iam, self.method_name(operation))
        try:
            result: dict[str, Any] = method(**kwargs)
        except LiveError:
            raise
        except self.errors.ClientError as exc:
            raise self._client_error(exc) from None
        except self.errors.NoCredentialsError:
            raise LiveError(
                "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID, sign in with aws sso login,"
                " or run where instance credentials are"
            ) from None
        except (self.errors.EndpointConnectionError, self.errors.ConnectTimeoutError, self.errors.ReadTimeoutError):
            raise LiveError(f"cannot reach the IAM endpoint {self.endpoint} (for {self.action})") from None
        except Exception as exc:
            # After the request went out, a fault may quote the answer: it is named by its kind.
            if self.sent:
                raise LiveError(f"{self.action}: the answer is not IAM's ({type(exc).__name__})") from None
            raise LiveError(self._hide(f"{self.action}: {exc}")) from None
        if self.secrets.in_value(result):
            raise _echoed(self.action)
        return result

    def pages(self, operation: str, key: str, item: type, **kwargs: Any) -> list[Any]:
        """Every item of a listing, page after page, each of type `item`."""
        items: list[Any] = []
        markers: set[str] = set()
        marker: str | None = None
        for _ in range(MAX_PAGES):
            page = self.call(operation, **kwargs, MaxItems=PAGE_SIZE, **({"Marker": marker} if marker else {}))
            found = self.field(page, key, list)
            if not all(isinstance(i, item) for i in found):
                raise LiveError(f"{self.action}: the answer's {key} are not {item.__name__}s: not IAM's")
            items += found
            if self.field(page, "IsTruncated", bool, required=False) is not True:
                return items
            marker = self.field(page, "Marker", str)
            if marker in markers:
                raise LiveError(f"{self.action}: the endpoint sent a page marker twice: its list would never end")
            markers.add(marker)
        raise LiveError(f"{self.action}: more than {MAX_PAGES} pages: no role has so many, the list does not end")

    def field(self, answer: Any, key: str, kind: type, *, required: bool = True) -> Any:
        """`answer[key]`, of type `kind`; None when it is absent and not `required`."""
        value = answer.get(key) if isinstance(answer, dict) else None
        if value is None and not required:
            return None
        if not isinstance(value, kind):
            what = "no" if value is None else f"a {type(value).__name__} for its"
            raise LiveError(f"{self.action}: the answer has {what} {key}: not IAM's")
        return value

    def _client_error(self, exc: Any) -> LiveError:
        """AWS's refusal in our words: its code where AWS documents it, never its message."""
        action, response = self.action, exc.response if isinstance(exc.response, dict) else {}
        error = response.get("Error")
        code = error.get("Code") if isinstance(error, dict) else None
        metadata = response.get("ResponseMetadata")
        status = metadata.get("HTTPStatusCode") if isinstance(metadata, dict) else None
        if not isinstance(code, str) or code not in self.documented:
            return LiveError(f"{action}: the endpoint refused it with an error AWS does not document (HTTP {status})")
        if code in _EXPIRED:
            return LiveError(f"{action}: the AWS credentials have expired ({code}): sign in again", code)
        if code in _NOT_ACCEPTED:
            return LiveError(f"{action}: AWS does not accept these credentials ({code})", code)
        if code in _DENIED:
            return LiveError(
                f"{action}: access denied to the credentials that run the check: grant them what"
                " iam-catalog check --aws --print-read-policy prints",
                code,
            )
        if code in _THROTTLED:
            attempts = RETRIES["max_attempts"]
            return LiveError(f"{action}: AWS throttled the request {attempts} times ({code}): try again later", code)
        return LiveError(f"{action}: AWS refused it ({code}, HTTP {status})", code)

    def document(self, answer: dict[str, Any], key: str, what: str, kind: str = IDENTITY) -> dict[str, Any]:
        """A policy document of an answer, read as a file's is (URL-encoded, as IAM sends it).
        `what` names it in the operator's own words: a refusal quotes nothing of the answer (the
        file reader's message would), so it says what to run to see where."""
        text = self.field(answer, key, str)
        try:
            doc = policy_document(text, what, "$", kind, url_encoded=True)
        except InputError as exc:
            why = TOO_DEEP if TOO_DEEP in str(exc) else "export it and run iam-catalog check on the file to see where"
            raise LiveError(f"{self.action}: {what} is not a policy IAM accepts ({why})") from None
        if self.secrets.in_value(doc):
            raise _echoed(self.action)
        return doc


def _managed(reader: _Reader, arn: str, what: str) -> tuple[str, dict[str, Any]]:
    """A managed policy at its default version."""
    policy = reader.field(reader.call("GetPolicy", PolicyArn=arn), "Policy", dict)
    default = reader.field(policy, "DefaultVersionId", str)
    name = reader.field(policy, "PolicyName", str, required=False) or arn
    version = reader.field(reader.call("GetPolicyVersion", PolicyArn=arn, VersionId=default), "PolicyVersion", dict)
    return name, reader.document(version, "Document", what)


def read_role(
    role: str,
    user_roles: list[str] | Callable[[Deployed], list[str]],
    *,
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
) -> LiveRole:
    """The role's inline policies, its managed policies at their default versions, its
    boundary, and each database-user role's trust policy: of the roles given, or of those that
    `user_roles` finds in what the role holds."""
    reader = _Reader(profile, region, endpoint_url)
    try:
        found = reader.field(reader.call("GetRole", RoleName=role), "Role", dict)
    except LiveError as exc:
        if exc.code == NO_SUCH_ENTITY:
            raise LiveError(f"no role named {role!r} in this account", exc.code) from None
        raise
    arn = reader.field(found, "Arn", str)
    boundary = reader.field(found, "PermissionsBoundary", dict, required=False)
    deployed = Deployed()
    # A name listed twice is one policy, whose one document is read once (no guess between two).
    names = dict.fromkeys(reader.pages("ListRolePolicies", "PolicyNames", str, RoleName=role))
    for i, name in enumerate(names, start=1):
        answer = reader.call("GetRolePolicy", RoleName=role, PolicyName=name)
        deployed.policies.append((name, reader.document(answer, "PolicyDocument", f"inline policy {i} of {role}")))
    attached = reader.pages("ListAttachedRolePolicies", "AttachedPolicies", dict, RoleName=role)
    arns = list(dict.fromkeys(reader.field(item, "PolicyArn", str) for item in attached))
    deployed.policies += [_managed(reader, a, f"managed policy {i} of {role}") for i, a in enumerate(arns, start=1)]
    if boundary is not None:
        capping = reader.field(boundary, "PermissionsBoundaryArn", str)
        deployed.boundary = _managed(reader, capping, f"the permissions boundary of {role}")
    deployed.notes.append(
        f"role {arn}: {len(deployed.policies) - len(arns)} inline and {len(arns)} managed"
        " policies" + (", a permissions boundary" if deployed.boundary else "")
    )
    trusts: dict[str, dict[str, Any] | None] = {}
    for name in user_roles if isinstance(user_roles, list) else user_roles(deployed):
        try:
            user = reader.field(reader.call("GetRole", RoleName=name.rpartition("/")[2]), "Role", dict)
        except LiveError as exc:
            if exc.code != NO_SUCH_ENTITY:
                raise
            trusts[name] = None
            continue
        trusts[name] = reader.document(user, "AssumeRolePolicyDocument", f"{name}'s trust policy", TRUST)
    return LiveRole(arn, deployed, trusts)
