"""`check --aws` against an IAM endpoint that answers anything (tests/hostile_iam.py): whatever
it sends, the check answers or fails in one line, within its deadline and its memory, and no
output holds a credential.

The rules, held on every draw of the property test and in each named case:
- exit 0 or 1 with a report, or exit 2 with one `iam-catalog: error:` line and nothing on stdout;
- within the deadline (lowered here; the docs' minute is DEADLINE + CONNECT_TIMEOUT + READ_TIMEOUT);
- no access key id, secret key, session token, Authorization header or signature in any form
  (as it is, in another case, percent-encoded, as XML or JSON escapes, base64) on either stream;
- no control character but the line ends.
"""

from __future__ import annotations

import io
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iam_catalog import cli
from iam_catalog.deployed import live

from . import hostile_iam as h
from .budget import examples

ARGS = ("check", "--aws", "--role-name", h.SERVICE, "--types", "rds", "--assumes-roles", h.USER)
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@pytest.fixture()
def endpoint_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The caller's credentials, a session token among them, and the bounds a test can wait for."""
    chain = {**h.CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
    for name, value in chain.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("IAM_CATALOG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(live, "DEADLINE", 4.0)
    # Fewer pages and retries than a real check allows, so that a draw of endless pages or of a
    # server error ends in a second rather than at the deadline; the bounds are the same code.
    monkeypatch.setattr(live, "MAX_PAGES", 10)
    monkeypatch.setattr(live, "RETRIES", {"mode": "standard", "max_attempts": 2})
    monkeypatch.setattr(live, "READ_TIMEOUT", 1)
    monkeypatch.setattr(live, "CONNECT_TIMEOUT", 1)


def _held(fault: h.Fault | None, *extra: str) -> tuple[int, str, str]:
    """Run the check against the endpoint `fault` spoils, and hold the rules."""
    with h.serve(fault) as (url, signed):
        out, err = io.StringIO(), io.StringIO()
        start = time.monotonic()
        code = cli.run([*ARGS, "--endpoint-url", url, *extra], out, err)
        took = time.monotonic() - start
    stdout, stderr = out.getvalue(), err.getvalue()
    assert took < live.DEADLINE + live.READ_TIMEOUT + 3, (fault, took)
    assert h.leaked(stdout + stderr, signed) is None, (fault, h.leaked(stdout + stderr, signed), stderr)
    assert not CONTROL.search(stdout + stderr), (fault, stderr)
    if code == 2:
        assert stdout == "", fault
        assert stderr.startswith("iam-catalog: error: ") and stderr.count("\n") == 1, (fault, stderr)
        assert len(stderr) < 400, (fault, stderr)
    else:
        assert code in (0, 1), (fault, code, stderr)
        assert stdout.startswith("note: role "), (fault, stdout)
    return code, stdout, stderr


def _error(fault: h.Fault) -> str:
    code, _, err = _held(fault)
    assert code == 2, fault
    return err


def test_a_good_endpoint_is_read_as_it_answers(endpoint_env: None) -> None:
    code, out, _ = _held(None)
    assert code == 1  # the role lacks most of what rds needs
    assert f"note: role arn:aws:iam::{h.ACCOUNT}:role/{h.SERVICE}: 1 inline and 1 managed policies," in out
    assert "a permissions boundary" in out


@pytest.mark.parametrize("form", [*h.ECHO_FORMS, *h.RAW_FORMS])
def test_an_echo_of_the_credentials_is_refused_in_every_form(form: str, endpoint_env: None) -> None:
    """Each form once, on a call and secret that turn with it; the property test draws the rest."""
    i = [*h.ECHO_FORMS, *h.RAW_FORMS].index(form)
    secret = [*h.CREDENTIALS, "Authorization", "Signature"][i % 5]
    calls = h.DOCUMENTS if form == h.JSON_FORM else h.CALLS
    err = _error(h.Fault(calls[i % len(calls)], "echo", secret, form, seed=i))
    assert "holds the credentials the request was signed with" in err, err
    if form in h.ECHO_FORMS:
        kind = ("echo in an error", "echo, not XML")[i % 2]
        _error(h.Fault(h.CALLS[i % len(h.CALLS)], kind, secret, form, seed=i))


@pytest.mark.parametrize("call", h.LISTS)
def test_pages_without_end_stop(call: str, endpoint_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "sent a page marker twice" in _error(h.Fault(call, "endless pages", seed=0))
    assert f"more than {live.MAX_PAGES} pages" in _error(h.Fault(call, "endless pages", seed=1))


def test_bytes_that_trickle_end_at_the_deadline(endpoint_env: None) -> None:
    start = time.monotonic()
    err = _error(h.Fault("GetRolePolicy", "slow bytes"))
    assert "ran out of its 4 s" in err and "answers too slowly" in err
    assert time.monotonic() - start < live.DEADLINE + live.READ_TIMEOUT + 1


def test_the_documented_deadline_is_a_minute() -> None:
    """docs/cli.md and docs/deploying.md promise a minute: nothing is sent or read after DEADLINE,
    and the last request waits at most CONNECT_TIMEOUT to connect and READ_TIMEOUT for a byte."""
    assert live.DEADLINE + live.CONNECT_TIMEOUT + live.READ_TIMEOUT <= 60
    for page in ("cli.md", "deploying.md"):
        docs = (Path(__file__).parents[1] / "docs" / page).read_text()
        said = (
            f"{live.DEADLINE:.0f} seconds",
            f"{live.CONNECT_TIMEOUT} seconds to connect",
            f"{live.READ_TIMEOUT} for a byte",
        )
        assert all(words in docs for words in said), page


def _peak(fault: h.Fault | None) -> tuple[int, str]:
    """The most memory Python held while the check ran (tracemalloc), and its stderr."""
    tracemalloc.start()
    try:
        _, _, err = _held(fault)
        return tracemalloc.get_traced_memory()[1], err
    finally:
        tracemalloc.stop()


def test_a_huge_answer_is_refused_within_bounded_memory(endpoint_env: None) -> None:
    _peak(None)  # botocore's and the catalog's first loads are not the answer's
    good, _ = _peak(None)
    huge, err = _peak(h.Fault("GetPolicyVersion", "huge"))
    assert f"an answer past {live.MAX_ANSWER // 1024} KiB" in err
    assert huge < good + 4 * live.MAX_ANSWER, (huge, good)  # 64 MiB were sent


@pytest.mark.parametrize(
    ("kind", "call", "said"),
    [
        ("entities", "GetRole", "declares XML entities"),
        ("deep policy", "GetRolePolicy", "nested more than 64 deep"),
        ("deep policy", "GetRole:user", "nested more than 64 deep"),
        ("redirect", "GetPolicy", "redirects (HTTP 3"),
        ("undocumented error", "ListRolePolicies", "an error AWS does not document"),
        ("truncated", "GetRole", "the answer is not IAM's"),
        ("not XML", "GetPolicyVersion", ""),
    ],
)
def test_each_bad_answer_is_one_line(kind: str, call: str, said: str, endpoint_env: None) -> None:
    for seed in range(3):
        err = _error(h.Fault(call, kind, seed=seed))
        assert said in err and f"iam:{call.partition(':')[0]}" in err, err


def test_a_field_the_reader_needs_is_named_when_missing(endpoint_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each field indexed by the reader, taken out of its answer (`Fault` drops the drawn leaf)."""
    wanted = {
        ("GetRole", "Arn"): "has no Arn",
        ("GetRole", "Role"): "has no Role",
        ("GetPolicy", "DefaultVersionId"): "has no DefaultVersionId",
        ("GetPolicyVersion", "Document"): "has no Document",
        ("GetRolePolicy", "PolicyDocument"): "has no PolicyDocument",
        ("ListRolePolicies", "PolicyNames"): "has no PolicyNames",
    }
    for (call, tag), said in wanted.items():
        root = h.good(call)
        parent = next(p for p in root.iter() if any(c.tag == tag for c in p))
        parent.remove(next(c for c in parent if c.tag == tag))
        body = h.ET.tostring(root)
        fault = h.Fault(call, "fixed")
        monkeypatch.setitem(h.KINDS, "fixed", lambda *_, body=body: h.Reply(body=body))
        err = _error(fault)
        assert said in err and f"iam:{call}" in err, (call, tag, err)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://127.0.0.1:99999", "its port is not a number from 1 to 65535"),
        ("http://127.0.0.1:x", "its port is not a number from 1 to 65535"),
        ("ftp://127.0.0.1:21", "needs http:// or https://"),
        ("http://", "needs http:// or https:// and a host"),
        ("http://AKIAHOSTILETEST00042:pw@127.0.0.1:1", "holds a user name or password"),
        ("http://[::1", "not a URL IAM can be reached at"),
    ],
)
def test_a_bad_endpoint_url_is_one_line(url: str, said: str, endpoint_env: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli.run([*ARGS, "--endpoint-url", url], out, err) == 2
    assert said in err.getvalue() and err.getvalue().count("\n") == 1
    assert h.leaked(err.getvalue(), []) is None and "pw" not in err.getvalue()


_KINDS = [k for k in h.KINDS if k != "slow bytes"]  # the trickle waits out the deadline: one named test


@st.composite
def faults(draw: st.DrawFn) -> h.Fault:
    kind = draw(st.sampled_from(_KINDS))
    call = draw(st.sampled_from(h.APPLIES.get(kind, h.CALLS)))
    secret = draw(st.sampled_from([*h.CREDENTIALS, "Authorization", "Signature"]))
    raw = [f for f in h.RAW_FORMS if f != h.JSON_FORM or call in h.DOCUMENTS] if kind == "echo" else []
    forms = [*h.ECHO_FORMS, *raw]
    return h.Fault(call, kind, secret, draw(st.sampled_from(forms)), draw(st.integers(0, 10_000)))


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fault=faults())
def test_any_answer_holds_the_rules(fault: h.Fault, endpoint_env: None) -> None:
    code, _, _ = _held(fault)
    if fault.kind.startswith("echo"):
        assert code == 2, fault
