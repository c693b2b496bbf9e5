"""A hostile IAM endpoint on 127.0.0.1: it answers IAM's query API with what a test asks for,
good answers or bad ones, for tests/test_live_hostile.py.

`Answers` makes a good answer to each call `check --aws` makes (a role with an inline and a
managed policy, a boundary, a database-user role), and `Fault` spoils one of them: truncated,
not XML, a field dropped or of the wrong type, pages without end, bytes that trickle, redirects,
huge answers, XML entities, a policy nested too deep, undocumented errors, and echoes of the
request's credentials in every form an answer can hold them.
"""

from __future__ import annotations

import base64
import contextlib
import html
import http.server
import json
import random
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .conftest import loopback

ACCOUNT = "123456789012"
NS = "https://iam.amazonaws.com/doc/2010-05-08/"
SERVICE, USER, MANAGED, BOUNDARY = "teleport-db", "teleport-db-user", "teleport-managed", "teleport-boundary"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAHOSTILETEST00042",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYHOSTILEKEY",
    "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEHostileSessionToken+/=" + "Zm9vYmFy" * 12,
}
# The calls check --aws makes, as they are told apart here: a database-user role's GetRole is its own.
CALLS = (
    "GetRole",
    "ListRolePolicies",
    "GetRolePolicy",
    "ListAttachedRolePolicies",
    "GetPolicy",
    "GetPolicyVersion",
    "GetRole:user",
)


def _doc(statements: list[dict[str, Any]]) -> str:
    return urllib.parse.quote(json.dumps({"Version": "2012-10-17", "Statement": statements}))


def _element(tag: str, fields: dict[str, Any]) -> ET.Element:
    node = ET.Element(tag)
    for key, value in fields.items():
        child = ET.SubElement(node, key)
        if isinstance(value, dict):
            child.extend(_element(key, value))
        elif isinstance(value, list):
            for item in value:
                member = ET.SubElement(child, "member")
                if isinstance(item, dict):
                    member.extend(_element("member", item))
                else:
                    member.text = item
        else:
            child.text = value
    return node


def _body(operation: str, result: dict[str, Any]) -> ET.Element:
    root = ET.Element(f"{operation}Response", xmlns=NS)
    root.append(_element(f"{operation}Result", result))
    root.append(_element("ResponseMetadata", {"RequestId": "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE"}))
    return root


def good(call: str) -> ET.Element:
    """A good answer to `call`, as IAM writes it."""
    arn = f"arn:aws:iam::{ACCOUNT}:role/"
    role = {"Path": "/", "RoleName": SERVICE, "RoleId": "AROAEXAMPLE0000000001", "Arn": arn + SERVICE}
    role |= {"CreateDate": "2026-01-01T00:00:00Z"}
    ec2 = [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    trust = [{"Effect": "Allow", "Principal": {"AWS": arn + SERVICE}, "Action": "sts:AssumeRole"}]
    allow = [{"Sid": "RDSConnect", "Effect": "Allow", "Action": "rds-db:connect", "Resource": "*"}]
    policy = f"arn:aws:iam::{ACCOUNT}:policy/"
    answers: dict[str, tuple[str, dict[str, Any]]] = {
        "GetRole": (
            "GetRole",
            {
                "Role": {
                    **role,
                    "AssumeRolePolicyDocument": _doc(ec2),
                    "PermissionsBoundary": {
                        "PermissionsBoundaryType": "Policy",
                        "PermissionsBoundaryArn": policy + BOUNDARY,
                    },
                }
            },
        ),
        "GetRole:user": (
            "GetRole",
            {"Role": {**role, "RoleName": USER, "Arn": arn + USER, "AssumeRolePolicyDocument": _doc(trust)}},
        ),
        "ListRolePolicies": ("ListRolePolicies", {"PolicyNames": ["inline"], "IsTruncated": "false"}),
        "GetRolePolicy": (
            "GetRolePolicy",
            {"RoleName": SERVICE, "PolicyName": "inline", "PolicyDocument": _doc(allow)},
        ),
        "ListAttachedRolePolicies": (
            "ListAttachedRolePolicies",
            {"AttachedPolicies": [{"PolicyName": MANAGED, "PolicyArn": policy + MANAGED}], "IsTruncated": "false"},
        ),
        "GetPolicy": (
            "GetPolicy",
            {"Policy": {"PolicyName": MANAGED, "Arn": policy + MANAGED, "DefaultVersionId": "v1"}},
        ),
        "GetPolicyVersion": (
            "GetPolicyVersion",
            {"PolicyVersion": {"Document": _doc([{**allow[0], "Sid": "Managed"}]), "VersionId": "v1"}},
        ),
    }
    operation, result = answers[call]
    return _body(operation, result)


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8")


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/xml"),)
    trickle: float = 0.0  # seconds between bytes: an answer that arrives a byte at a time
    stream: int = 0  # bytes of padding streamed after `body`: a huge answer, never held whole
    length: int | None = None  # the Content-Length to claim, when it is not the body's


# --- echoes: the request's secrets, in each form an answer can carry them -----------------------


def _base64_inside(secret: str, skip: int) -> str:
    return base64.b64encode(b"xyz"[:skip] + secret.encode()).decode()


ECHO_FORMS: dict[str, Callable[[str], str]] = {
    "verbatim": lambda s: s,
    "lower case": str.lower,
    "percent-encoded": lambda s: "".join(f"%{b:02X}" for b in s.encode()),
    "inside text": lambda s: f"role-for-{s}-x",
    "base64": lambda s: _base64_inside(s, 0),
    "base64, shifted one": lambda s: _base64_inside(s, 1),
    "base64, shifted two": lambda s: _base64_inside(s, 2),
}
# Forms that only an XML writer or a JSON writer makes, put into the bytes after serialising.
RAW_FORMS: dict[str, Callable[[str], str]] = {
    "XML character references": lambda s: "".join(f"&#{ord(c)};" for c in s),
    "JSON escapes in a policy": lambda s: "".join(f"\\u{ord(c):04x}" for c in s),
}


def secrets(headers: Any) -> dict[str, str]:
    """What the request was signed with, as the server sees it and as the client holds it."""
    authorization = headers.get("Authorization", "")
    return {
        **CREDENTIALS,
        "Authorization": authorization,
        "Signature": authorization.rpartition("Signature=")[2],
    }


# --- faults ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """What spoils the answer to `call`: `kind` (a key of KINDS) with its draws."""

    call: str
    kind: str
    secret: str = "AWS_ACCESS_KEY_ID"
    form: str = "verbatim"
    seed: int = 0

    def reply(self, call: str, headers: Any, page: int) -> Reply:
        if call != self.call:
            return Reply(body=_xml(good(call)))
        return KINDS[self.kind](self, good(call), secrets(headers), page)


def _leaves(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter() if len(e) == 0 and e.text is not None and e.tag != "RequestId"]


def _pick(fault: Fault, items: list[Any]) -> Any:
    return items[random.Random(fault.seed).randrange(len(items))]


def _echo_field(fault: Fault, root: ET.Element, secret: str) -> Reply:
    """The secret in a field of the answer: in a policy document's Sid where the answer holds one."""
    # JSON's escapes mean the secret only inside JSON: a document (Fault's call is one of DOCUMENTS).
    leaves = [e for e in _leaves(root) if e.tag.endswith("Document") or fault.form != JSON_FORM]
    leaf = _pick(fault, leaves)
    marker = "ECHO-MARKER-0000"
    if leaf.tag in ("PolicyDocument", "Document", "AssumeRolePolicyDocument"):
        doc = json.loads(urllib.parse.unquote(leaf.text or ""))
        doc["Statement"][0]["Sid"] = marker
        leaf.text = urllib.parse.quote(json.dumps(doc))
    else:
        leaf.text = marker
    raw = fault.form in RAW_FORMS
    value = (RAW_FORMS if raw else ECHO_FORMS)[fault.form](secret)
    body = _xml(root).decode()
    if leaf.tag.endswith("Document") and not raw:
        value = urllib.parse.quote(value)  # a policy document is URL-encoded JSON
    return Reply(body=body.replace(marker, value).encode())


def _echo(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    return _echo_field(fault, root, found[fault.secret])


def _echo_error(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    secret = ECHO_FORMS.get(fault.form, str)(found[fault.secret])
    where = _pick(fault, ["code", "message", "both"])
    code = secret if where != "message" else "AccessDenied"
    message = secret if where != "code" else "refused"
    body = (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
    )
    return Reply(status=403, body=body.encode())


def _echo_not_xml(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    lines = "\n".join(f"{k}: {ECHO_FORMS.get(fault.form, str)(v)}" for k, v in found.items())
    return Reply(status=_pick(fault, [200, 400, 500]), body=f"<html><pre>{lines}</pre>".encode(), headers=())


def _truncated(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    body = _xml(root)
    cut = random.Random(fault.seed).randrange(1, len(body))
    return Reply(body=body[:cut], length=_pick(fault, [None, len(body)]))


def _not_xml(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    rng = random.Random(fault.seed)
    bodies = [
        b"",
        b"{}",
        b'{"Role": {"Arn": "x"}}',
        b"<html><body>502 Bad Gateway</body></html>",
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))),
        b"<GetRoleResponse><GetRoleResult><Role>",
        "<r>\u202e\x1b[31m</r>".encode(),
    ]
    return Reply(status=_pick(fault, [200, 200, 500, 403]), body=_pick(fault, bodies))


def _dropped(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    """A field the reader reads taken out, or holding what its type cannot be."""
    leaves = [e for e in root.iter() if e.tag not in ("ResponseMetadata", "RequestId") and e is not root]
    target = _pick(fault, leaves)
    parent = next(p for p in root.iter() if target in list(p))
    how = random.Random(fault.seed + 1).randrange(4)
    if how == 0:
        parent.remove(target)
    elif how == 1:
        target.text = None
        ET.SubElement(target, "member").text = "nested"
    elif how == 2:
        target.text = _pick(fault, ["", "not-a-date", "-1", "9" * 400, "maybe", "\x7f"])
    else:
        parent.append(ET.fromstring(ET.tostring(target)))  # the field twice
    return Reply(body=_xml(root))


def _endless(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    """Every page says there is another, with the same marker or a fresh one."""
    fresh = fault.seed % 2 == 1
    result = root[0]
    ET.SubElement(result, "IsTruncated").text = "true"
    ET.SubElement(result, "Marker").text = f"marker-{page if fresh else 0}"
    for node in result.findall("IsTruncated")[:-1]:
        result.remove(node)
    return Reply(body=_xml(root))


def _slow(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    return Reply(body=_xml(root), trickle=0.05)


def _redirect(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    status = _pick(fault, [301, 302, 307, 308])
    return Reply(status=status, body=b"", headers=(("Location", "http://127.0.0.1:9/elsewhere"),))


def _huge(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    head = _xml(root).replace(b"</ResponseMetadata>", b"</ResponseMetadata><!-- ")
    return Reply(body=head, stream=64 * 1024 * 1024)


def _entities(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(9))
    body = _xml(root).decode().replace(SERVICE, "&l8;", 1)
    return Reply(body=f"<?xml version='1.0'?><!DOCTYPE r [{lol}]>{body}".encode())


def _deep(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    """A policy document nested past any decoder's stack."""
    depth = _pick(fault, [65, 2_000, 200_000])
    for leaf in root.iter():
        if leaf.tag.endswith("Document"):
            leaf.text = urllib.parse.quote('{"Statement": ' + "[" * depth + "]" * depth + "}")
    return Reply(body=_xml(root))


def _undocumented(fault: Fault, root: ET.Element, found: dict[str, str], page: int) -> Reply:
    code = _pick(fault, ["NoSuchEntity2", "&lt;b&gt;", "A" * 300, "", "AccessDenied\u202e", "Whatever&#x2603;"])
    body = f'<ErrorResponse xmlns="{NS}"><Error><Code>{code}</Code><Message>m</Message></Error></ErrorResponse>'
    return Reply(status=_pick(fault, [400, 403, 409]), body=body.encode())


KINDS: dict[str, Callable[[Fault, ET.Element, dict[str, str], int], Reply]] = {
    "echo": _echo,
    "echo in an error": _echo_error,
    "echo, not XML": _echo_not_xml,
    "truncated": _truncated,
    "not XML": _not_xml,
    "wrong shape": _dropped,
    "endless pages": _endless,
    "slow bytes": _slow,
    "redirect": _redirect,
    "huge": _huge,
    "entities": _entities,
    "deep policy": _deep,
    "undocumented error": _undocumented,
}
LISTS = ("ListRolePolicies", "ListAttachedRolePolicies")
DOCUMENTS = ("GetRole", "GetRole:user", "GetRolePolicy", "GetPolicyVersion")  # the answers that hold a policy
# Which calls a kind applies to: pages only to the lists, a policy nested deep only to documents.
APPLIES = {"endless pages": LISTS, "deep policy": DOCUMENTS}
JSON_FORM = "JSON escapes in a policy"


class Handler(http.server.BaseHTTPRequestHandler):
    fault: Fault | None = None
    # One server a test, each set anew by serve(): pages asked for, by call; every Authorization
    # header and signature the requests carried.
    pages: dict[str, int] = {}  # noqa: RUF012
    signed: list[str] = []  # noqa: RUF012
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait for an ACK between

    def do_POST(self) -> None:
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        operation = form.get("Action", [""])[0]
        call = "GetRole:user" if operation == "GetRole" and form.get("RoleName") == [USER] else operation
        page = self.pages[call] = self.pages.get(call, 0) + 1
        found = secrets(self.headers)
        self.signed += [found["Authorization"], found["Signature"]]
        reply = self.fault.reply(call, self.headers, page) if self.fault else Reply(body=_xml(good(call)))
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        length = reply.length if reply.length is not None else len(reply.body) + reply.stream
        self.send_header("Content-Length", str(length))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client stopped reading
            self._write(reply)
        if reply.length is not None or reply.trickle or reply.stream:
            self.close_connection = True

    def _write(self, reply: Reply) -> None:
        if reply.trickle:
            for i in range(len(reply.body)):
                self.wfile.write(reply.body[i : i + 1])
                self.wfile.flush()
                time.sleep(reply.trickle)
            return
        self.wfile.write(reply.body)
        sent, block = 0, b" " * 65536
        while sent < reply.stream:
            self.wfile.write(block)
            sent += len(block)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(fault: Fault | None) -> Iterator[tuple[str, list[str]]]:
    """The endpoint, answering every call well but the one `fault` spoils; and the list of what
    the requests were signed with, filled as they come."""
    signed: list[str] = []
    handler = type("Hostile", (Handler,), {"fault": fault, "pages": {}, "signed": signed})
    with loopback(handler) as url:
        yield url, signed


def leaked(text: str, signed: list[str]) -> str | None:
    """The first secret (a credential, or one of the `signed` Authorization headers and their
    signatures) that `text` holds in any form an echo takes, or None."""
    decoded = [text.lower(), urllib.parse.unquote(text).lower(), html.unescape(text).lower()]
    named = {**CREDENTIALS, **{f"Authorization {i}": value for i, value in enumerate(signed) if value}}
    for name, secret in named.items():
        if any(secret.lower() in t for t in decoded):
            return name
        for skip in range(3):
            middle = _base64_inside(secret, skip)[4:-4]  # the characters that encode the secret alone
            if middle in text:
                return f"{name} (base64)"
    return None
