// Answers the Python tests' calls on the browser twin (iam-catalog-core.js) under Node: one JSON
// line in ({call, args}), one JSON line out ({result} or {crash}). No browser, no DOM.
"use strict";

const core = require(process.argv[2]);
const readline = require("readline");

function answerOf(compiled, r) {
  try {
    const a = core.answer(compiled, r);
    return {
      policy: core.dumps(a.document),
      terraform: core.formats.terraform([a.document], a.identity, a.services),
      cloudformation: core.formats.cloudformation([a.document], a.identity, a.services),
      unfilled: a.unfilled, identity: a.identity, skipped: a.skipped, waiting: a.waiting,
    };
  } catch (e) {
    if (!(e instanceof core.RequestError)) throw e;
    return { error: e.message, option: e.option, subject: e.subject };
  }
}

function stackOf(compiled, r) {
  try {
    const made = core.stack(compiled, r);
    return { cloudformation: core.stackWriters.cloudformation(made), terraform: core.stackWriters.terraform(made) };
  } catch (e) {
    if (!(e instanceof core.RequestError)) throw e;
    return { error: e.message, option: e.option === undefined ? null : e.option };
  }
}

function written(documents, identity, services) {
  return Object.keys(core.formats).map(function (format) {
    try { return core.formats[format](documents, identity, services); } catch (e) { return { error: e.message }; }
  });
}

const CALLS = {
  answers: ([compiled, requests]) => requests.map((r) => answerOf(compiled, r)),
  stacks: ([compiled, requests]) => requests.map((r) => stackOf(compiled, r)),
  merges: (batch) => batch.map((statements) => core.mergeStatements(statements)),
  formats: (batch) => batch.map(([documents, identity, services]) => written(documents, identity, services)),
  covers: (pairs) => pairs.map(([wide, narrow]) => core.covers(wide, narrow)),
};

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const { call, args } = JSON.parse(line);
  let reply;
  try {
    reply = { result: CALLS[call](args) };
  } catch (e) {
    reply = { crash: String((e && e.stack) || e) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
