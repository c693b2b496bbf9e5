"""The IAM engine: what a policy allows, compared exactly. Does one side allow any request that
the other does not?

One room per concern, each importing only those above it in this list:

- `model`: statements as the engine reads them (IAM's refusals from `iam.grammar`), and a
  `Side`, an identity's policies with the sets that cap them (a permissions boundary);
- `automata`: patterns (`*`, `?`, placeholders and policy variables as unknown symbols) and the
  atoms of several at once;
- `principals`: a trust policy's principals, and which of them a statement names;
- `evaluation`: one request against statements, returning the statements that match;
- `values`: what one condition key's values can do to the conditions on it;
- `results`: witnesses and a comparison's two directions;
- `search`: condition values assigned key by key for one class of request;
- `variables`: IAM policy variables, worked on parsed statements;
- `compare`: the comparison of two sides.

B allows r when some Allow statement of B matches r, no Deny statement does, and every cap of B
allows r too. A witness is a request that B allows and A does not; no witness in either direction
means no change in access, whatever the text says. What the engine cannot decide exactly raises
`Undecidable` with the reason; the review shows it as "cannot prove", never as no change.
"""

from iam_catalog.iam.access.automata import atoms, text_of
from iam_catalog.iam.access.compare import compare, forget
from iam_catalog.iam.access.evaluation import Decision, Request, Shown, allowed_by, denied_by, evaluate, naming
from iam_catalog.iam.access.model import UNLISTED_ACTION, Refused, Side, Statement, Undecidable, statements
from iam_catalog.iam.access.results import Comparison, Witness, iter_witnesses

__all__ = [
    "UNLISTED_ACTION",
    "Comparison",
    "Decision",
    "Refused",
    "Request",
    "Shown",
    "Side",
    "Statement",
    "Undecidable",
    "Witness",
    "allowed_by",
    "atoms",
    "compare",
    "denied_by",
    "evaluate",
    "forget",
    "iter_witnesses",
    "naming",
    "statements",
    "text_of",
]
