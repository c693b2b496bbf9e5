// The second IAM oracle for the Python tests: @cloud-copilot/iam-simulate (AGPL-3.0, a test tool
// that is never shipped) decides requests against identity policies, conditions included.
// One JSON line in: [{policy, action, resource, context}, ...]; one JSON line out: the decisions
// ("Allowed", "ImplicitlyDenied", "ExplicitlyDenied", or {error}), in order.
"use strict";

const { runSimulation } = require("@cloud-copilot/iam-simulate");
const readline = require("readline");

const PRINCIPAL = "arn:aws:iam::111111111111:role/teleport";

async function decide({ policy, action, resource, context }) {
  const response = await runSimulation(
    {
      identityPolicies: [{ name: "policy", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action,
        principal: PRINCIPAL,
        resource: { accountId: "111111111111", resource },
        contextVariables: context,
      },
    },
    {},
  );
  if (response.resultType !== "single") {
    return { error: JSON.stringify(response.errors || response.resultType) };
  }
  return response.overallResult;
}

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (line) => {
  queue = queue.then(async () => {
    const cases = JSON.parse(line);
    const out = [];
    for (const c of cases) {
      try {
        out.push(await decide(c));
      } catch (e) {
        out.push({ error: String(e && e.stack || e) });
      }
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  });
});
