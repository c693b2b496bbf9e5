"""Where the generated files go in a site: the plugin needs these on every build, even when the
pages come from the cache and nothing is rendered, so they cost no import of the renderer."""

REFERENCE = "reference"
POLICIES = "policies"
INDEX_JSON = "catalog.json"
STYLESHEET = "assets/iam-catalog.css"
# The twin of print-iam, then the page code that wires the forms to it: loaded in this order.
SCRIPTS = ("assets/iam-catalog-core.js", "assets/iam-catalog.js")
BUILDER = "builder/index.md"
ACTIONS = f"{REFERENCE}/actions.md"
