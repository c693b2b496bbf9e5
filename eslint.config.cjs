// ESLint for the project's JavaScript: the twin (no DOM, loadable by Node), the page code, and
// the test driver. `make test` runs it and fails on any finding.
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

// The twin may not touch the DOM: it has no browser globals, so `document` would be an error.
const strict = {
  ...js.configs.recommended.rules,
  "no-var": "off", // the browser scripts are plain ES5-style files, loaded without a bundler
  "no-redeclare": "error",
  "no-shadow": "error",
  "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
  eqeqeq: "error",
  strict: ["error", "function"],
};

module.exports = [
  {
    files: ["plugins/iam_catalog/site/assets/iam-catalog-core.js"],
    languageOptions: { ecmaVersion: 2020, sourceType: "script", globals: { module: "readonly", globalThis: "readonly" } },
    // The escapers for JSON, HCL and the messages match control characters on purpose.
    rules: { ...strict, "no-control-regex": "off" },
  },
  {
    // Every other script of the package is page code: the browser's globals, nothing more.
    files: ["plugins/**/*.js"],
    ignores: ["plugins/iam_catalog/site/assets/iam-catalog-core.js"],
    languageOptions: { ecmaVersion: 2020, sourceType: "script", globals: { ...globals.browser } },
    rules: strict,
  },
  {
    files: ["tests/*.cjs", "tools/*.cjs", "eslint.config.cjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "commonjs", globals: { ...globals.node } },
    rules: { ...js.configs.recommended.rules, eqeqeq: "error" },
  },
];
