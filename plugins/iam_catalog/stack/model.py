"""The stack's model: a stack is made of accounts, an account of the roles the stack creates
there, and a role of its trust policy and the policies attached to it.

Each role's kind is a row of the catalog's kinds table (`catalog.kinds`), whose `account` column
says which account it goes to: the service's own today, so one account holds the service's role
and the database-user roles. A role for databases in another account is a row whose account is
that one, and the stack gains a second account; the writers write one account's template each.
"""

from __future__ import annotations

from iam_catalog.catalog.kinds import DATABASE_USER, KINDS, SERVICE, SERVICE_ACCOUNT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from iam_catalog.printiam.request import Answer, Request

# What a deployed stack knows of where it runs: CloudFormation's pseudo parameter, Terraform's
# expression (with the data source it needs), and the longest value, for the size quotas.
DEPLOYMENT = {
    "account-id": ("AWS::AccountId", "data.aws_caller_identity.current.account_id", 12),
    "partition": ("AWS::Partition", "data.aws_partition.current.partition", 10),
    "region": ("AWS::Region", "data.aws_region.current.name", 20),
}
POLICY_KINDS = {
    "managed": "customer managed policies attached to the role, each within IAM's 6,144 characters",
    "inline": "inline policies of the role, all within IAM's 10,240 characters for one role",
}
DESCRIPTION_LIMIT = 1000  # CloudFormation takes 1,024 characters for a template's description


class StackRequest:
    def __init__(
        self,
        request: Request,
        *,
        role_name: str | None = None,
        trust: str | None = None,
        trust_values: dict[str, str] | None = None,
        external_id: str | None = None,
        policy: str = "managed",
    ) -> None:
        self.request = request  # print-iam's request; its role is the stack's role
        self.role_name = role_name
        self.trust = trust  # a trust choice's id; None: the catalog's first
        self.trust_values = trust_values or {}  # option (trusted-principal, ...): value
        self.external_id = external_id
        self.policy = policy  # a key of POLICY_KINDS

    def described(self, result: Answer, types: list[str], role: str, trust: str) -> str:
        """The options that made the stack, as one command line: print-iam's request describes
        its own, and the stack's go beside the fields they are about (the role, the database
        users' trust), each value as it was checked."""
        groups = self.request.described(result, types)
        groups["identity"] = [("role-name", role), ("trust", trust)]
        groups["identity"] += [(option, self.trust_values[option]) for option in sorted(self.trust_values)]
        groups["assumes-roles"] += [("external-id", self.external_id)] if self.external_id is not None else []
        groups["policy"] = [("policy", self.policy)]
        return " ".join(f"--{k} {v}" if v else f"--{k}" for pairs in groups.values() for k, v in pairs)


class Role:
    """One IAM role the stack creates."""

    def __init__(
        self,
        kind: str,
        name: str,
        path: str,
        trust: dict[str, Any],
        policies: list[dict[str, Any]] | None = None,
        instance_profile: bool = False,
    ) -> None:
        self.kind = kind  # a key of catalog.kinds.KINDS
        self.name, self.path, self.trust = name, path, trust
        self.policies = policies or []  # print-iam's policy, split
        self.instance_profile = instance_profile
        # The name of each policy, as both writers name it.
        count = len(self.policies)
        self.policy_names = [f"{name}-policy" + (f"-{i}" if count > 1 else "") for i in range(1, count + 1)]


class Account:
    """The roles a stack creates in one AWS account, in the order they are created."""

    def __init__(self, name: str, roles: list[Role]) -> None:
        self.name = name  # catalog.kinds' account: SERVICE_ACCOUNT, the one that runs Teleport's services
        self.roles = roles

    def of(self, kind: str) -> list[Role]:
        return [r for r in self.roles if r.kind == kind]


class Stack:
    """What both writers write: the same resources, named alike."""

    def __init__(
        self, description: str, roles: list[Role], policy: str, deployed: dict[str, str], answer: Answer
    ) -> None:
        self.description = description
        # Each role in its kind's account, the accounts in the order their first role comes.
        accounts: dict[str, list[Role]] = {}
        for role in roles:
            accounts.setdefault(KINDS[role.kind].account, []).append(role)
        self.accounts = [Account(name, members) for name, members in accounts.items()]
        self.policy = policy  # managed or inline
        self.deployed = deployed  # placeholder name: the deployment's fact that fills it
        self.answer = answer

    def account(self, name: str = SERVICE_ACCOUNT) -> Account:
        return next(a for a in self.accounts if a.name == name)

    def service_account_roles(self) -> tuple[Role, list[Role]]:
        """The service's role and the database-user roles: the one account a stack writes today."""
        account = self.account()
        return account.of(SERVICE)[0], account.of(DATABASE_USER)
