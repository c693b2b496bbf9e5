"""The stack layer: the roles print-iam's policy is for, in the accounts they go to, as a
CloudFormation template or a Terraform module that an operator deploys unchanged (`iam-catalog
stack`); and what `check --aws` expects of them.

- `model`: stack, accounts, roles, and the request that makes a stack;
- `build`: the request's stack, every name and size held to IAM's rules;
- `cloudformation`, `terraform`: the writers, one registry of formats (`WRITERS`);
- `expected`: the read policy that `check --aws` needs, and each database-user role's trust.

Works on the compiled catalog, like print-iam.
"""

from iam_catalog.reporting import Format, Formats, stdout
from iam_catalog.stack.cloudformation import cloudformation
from iam_catalog.stack.terraform import terraform

WRITERS = Formats(
    Format("cloudformation", "a CloudFormation template", stdout(cloudformation)),
    Format("terraform", "a Terraform module", stdout(terraform)),
    default="cloudformation",
)
