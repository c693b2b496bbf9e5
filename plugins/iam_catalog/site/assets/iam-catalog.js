/*
 * iam-catalog in the page: the policy builder, and the reader's own values in every policy
 * block. It wires the page's forms to iam-catalog-core.js, which computes every policy (the
 * twin of print-iam), and holds no rule of its own.
 */
(function (core) {
  "use strict";

  var unique = core.unique, fillStatement = core.fillStatement, has = core.has, documentOf = core.documentOf,
    dumps = core.dumps, tailor = core.tailor, used = core.used,
    servicesOf = core.servicesOf, strip = core.strip,
    RequestError = core.RequestError, accepts = core.accepts, expected = core.expected, answer = core.answer,
    stack = core.stack, FORMATS = core.formats;
  var STORAGE_KEY = "iam-catalog.values";
  var TAILORING_KEY = "iam-catalog.tailoring";
  // The file a download saves, by format: its extension says what it holds.
  var SUFFIXES = {
    json: ".json",
    terraform: ".tf",
    cloudformation: ".cloudformation.json",
    "stack-terraform": ".tf",
    "stack-cloudformation": ".cloudformation.json",
  };
  var STACK = "stack-";  // a format that writes the stack, as iam-catalog stack does
  // The builder's fields of the stack, by iam-catalog stack's option; the role is print-iam's --role.
  var STACK_FIELDS = ["trust", "external-id", "policy", "assumes-roles"];

  // --- the folded forms ------------------------------------------------------------------

  /* The forms fold into one line, so that the first policy is on the first screen of a phone;
     the line says what the reader has set. A field with an error opens its fold. */
  function shortValue(value) {
    var text = Array.isArray(value) ? value.join(", ") : String(value);
    return text.length > 14 ? text.slice(0, 12) + "\u2026" : text;
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  /* `given`: [name, value] of each value the reader set; `more`: what else they chose. */
  function summarize(fold, given, more) {
    var summary = fold.querySelector("summary");
    if (!summary.hasAttribute("data-default")) summary.setAttribute("data-default", summary.textContent);
    var parts = given.map(function (pair) { return pair[0] + " " + shortValue(pair[1]); }).concat(more);
    summary.textContent = parts.length ? "Your values: " + parts.join(", ") : summary.getAttribute("data-default");
    if (fold.querySelector('[aria-invalid="true"]')) fold.open = true;
  }

  // --- reader's values ------------------------------------------------------------------

  function showError(root, field, key, message) {
    var error = root.querySelector('[data-error-for="' + key + '"]');
    if (error) error.textContent = message;
    field.setAttribute("aria-invalid", message ? "true" : "false");
  }

  /* Read every [data-variable] field of `root`; show an error beside each bad one. Returns
     the valid values by variable name; a bad value is left out, never baked into a policy. */
  function readFields(root, variables) {
    var values = {};
    root.querySelectorAll("[data-variable]").forEach(function (field) {
      var name = field.getAttribute("data-variable");
      var value = strip(field.value);
      var message = "";
      if (value && has(variables, name) && !accepts(variables[name], value)) {
        message = "Expected " + expected(variables[name]) + ".";
      } else if (value) {
        values[name] = value;
      }
      showError(root, field, name, message);
    });
    return values;
  }

  function loadStored() {
    try { return JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}"); } catch (e) { return {}; }
  }

  function storeValues(values) {
    try {
      if (Object.keys(values).length) localStorage.setItem(STORAGE_KEY, JSON.stringify(values));
      else localStorage.removeItem(STORAGE_KEY);
    } catch (e) { /* private browsing: the values last for this page only */ }
  }

  var STRING = /"(?:[^"\\]|\\.)*"/g;

  /* Show `text` in a highlighted block, keeping its colours: the JSON strings are swapped
     token by token, since both documents have the same shape. */
  function showInBlock(block, text) {
    var code = block.querySelector("code");
    if (!code) return;
    var spans = Array.from(code.querySelectorAll("span")).filter(function (s) {
      return !s.children.length && /^".*"$/.test(s.textContent);
    });
    var tokens = text.match(STRING) || [];
    if (spans.length === tokens.length) {
      spans.forEach(function (span, i) { span.textContent = tokens[i]; });
    } else {
      code.textContent = text;
    }
  }

  function setDownload(link, text) {
    var original = link.getAttribute("data-static-href") || link.getAttribute("href");
    link.setAttribute("data-static-href", original);
    if (link.dataset.blobUrl) URL.revokeObjectURL(link.dataset.blobUrl);
    if (text === null) {
      link.setAttribute("href", original);
      delete link.dataset.blobUrl;
      return;
    }
    var url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.dataset.blobUrl = url;
    link.setAttribute("href", url);
  }

  function loadTailoring() {
    try {
      var stored = JSON.parse(localStorage.getItem(TAILORING_KEY) || "{}");
      return { without: stored.without || [], scopes: stored.scopes || {} };
    } catch (e) {
      return { without: [], scopes: {} };
    }
  }

  function storeTailoring(tailoring) {
    try {
      if (tailoring.without.length || Object.keys(tailoring.scopes).length) {
        localStorage.setItem(TAILORING_KEY, JSON.stringify(tailoring));
      } else {
        localStorage.removeItem(TAILORING_KEY);
      }
    } catch (e) { /* private browsing: the choices last for this page only */ }
  }

  function splitValues(text) { return unique(strip(text).split(/[\s,]+/).filter(function (v) { return v; })); }

  /* Read every [data-scope] field of `root`: the values of the valid ones by scope variable,
     and an error beside each field holding a value its pattern refuses (that field counts as
     empty, so a bad value never reaches a policy). */
  function readScopes(root, scopes) {
    var values = {};
    root.querySelectorAll("[data-scope]").forEach(function (field) {
      var name = field.getAttribute("data-scope");
      var given = splitValues(field.value);
      var bad = given.filter(function (v) { return !accepts(scopes[name], v); });
      showError(root, field, "scope-" + name, bad.length ? "'" + bad[0] + "': expected " + expected(scopes[name]) + "." : "");
      if (given.length && !bad.length) values[name] = given;
    });
    return values;
  }

  function initValuesForm(form, data) {
    var variables = data.variables;
    var stored = loadStored();
    var tailoring = loadTailoring();
    form.querySelectorAll("[data-variable]").forEach(function (field) {
      var name = field.getAttribute("data-variable");
      if (stored[name]) field.value = stored[name];
    });
    form.querySelectorAll("[data-choice]").forEach(function (box) {
      box.checked = tailoring.without.indexOf(box.getAttribute("data-choice")) >= 0;
    });
    form.querySelectorAll("[data-scope]").forEach(function (field) {
      var name = field.getAttribute("data-scope");
      if (has(tailoring.scopes, name)) field.value = tailoring.scopes[name].join(", ");
    });

    function apply() {
      var values = readFields(form, variables);
      var own = {};  // only what differs from the page's defaults is the reader's
      Object.keys(values).forEach(function (n) {
        if (!variables[n] || values[n] !== variables[n].default) own[n] = values[n];
      });
      storeValues(own);
      var without = Array.from(form.querySelectorAll("[data-choice]:checked"), function (b) {
        return b.getAttribute("data-choice");
      });
      var scopes = readScopes(form, data.scopes);
      // Choices and scopes of other pages stay remembered: their ids are the catalog's.
      var remembered = loadTailoring();
      Object.keys(data.choices).forEach(function (c) {
        remembered.without = remembered.without.filter(function (x) { return x !== c; });
      });
      remembered.without = remembered.without.concat(without);
      Object.keys(data.scopes).forEach(function (n) {
        if (has(scopes, n)) remembered.scopes[n] = scopes[n];
        else delete remembered.scopes[n];
      });
      storeTailoring(remembered);
      var filled = {};
      Object.keys(variables).forEach(function (n) { filled[n] = variables[n].default; });
      Object.assign(filled, own);
      Object.keys(data.scopes).forEach(function (n) {
        filled[n] = !has(scopes, n) ? "*" : scopes[n].length === 1 ? scopes[n][0] : scopes[n];
      });
      var scoped = Object.keys(scopes);
      var custom = Object.keys(own).length > 0 || without.length > 0 || scoped.length > 0;
      var omitted = 0;
      document.querySelectorAll("a.iam-download[data-policy]").forEach(function (link) {
        var key = link.getAttribute("data-policy");
        var template = data.policies[key];
        var rules = data.rules[key];
        var paragraph = link.closest("p");
        var block = paragraph && paragraph.previousElementSibling;
        if (!template || !block || !block.classList.contains("highlight")) return;
        var statements = [];
        template.Statement.forEach(function (st, i) {
          var tailored = tailor(st, rules[i], without, scoped);
          if (tailored !== null) statements.push(fillStatement(tailored, filled));
          else omitted += 1;
        });
        var text = dumps(documentOf(statements));
        showInBlock(block, text);
        setDownload(link, custom ? text : null);
      });
      var given = Object.keys(own).map(function (n) { return [(variables[n] && variables[n].option) || n, own[n]]; });
      var more = [];
      if (omitted) more.push(plural(omitted, "statement", "statements") + " left out");
      if (scoped.length) more.push(plural(scoped.length, "resource", "resources") + " named");
      summarize(form.querySelector(".iam-fold"), given, more);
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.querySelector("[data-action=clear]").addEventListener("click", function () {
      form.querySelectorAll("[data-variable], [data-scope]").forEach(function (field) {
        field.value = field.tagName === "SELECT" ? field.options[0].value : "";
      });
      form.querySelectorAll("[data-choice]").forEach(function (box) { box.checked = false; });
      apply();
    });
    form.hidden = false;
    apply();
  }

  // --- the policy builder ---------------------------------------------------------------

  function initBuilder(root, compiled) {
    var output = root.querySelector("#policy");
    var status = root.querySelector("#builder-status");
    var fields = Array.from(root.querySelectorAll("[data-option]"));

    function checkedValues(name) {
      return Array.from(root.querySelectorAll("input[name=" + name + "]:checked"), function (b) { return b.value; });
    }

    /* Show the choices and scope fields of the chosen types and services only. */
    function showTailoring(typeIds, serviceIds) {
      var rules = [];
      var wanted = servicesOf(compiled, serviceIds);
      compiled.types.forEach(function (t) {
        if (typeIds.indexOf(t.id) < 0) return;
        t.policies.forEach(function (p) { if (wanted.indexOf(p.service) >= 0) rules.push.apply(rules, p.rules); });
      });
      var found = used(rules);
      root.querySelectorAll("[data-for-choice]").forEach(function (item) {
        item.hidden = found[0].indexOf(item.getAttribute("data-for-choice")) < 0;
      });
      root.querySelectorAll("[data-for-scope]").forEach(function (item) {
        item.hidden = found[1].indexOf(item.getAttribute("data-for-scope")) < 0;
      });
      root.querySelector(".iam-choices").hidden = !found[0].length;
      root.querySelector(".iam-scopes").hidden = !found[1].length;
    }

    /* The policy for the form as filled in, as print-iam prints it for the same options. A
       field whose value print-iam would refuse shows why, and is left out. */
    function current() {
      var request = {
        types: checkedValues("type"),
        optional: root.querySelector("#optional").checked,
        services: checkedValues("service"),
      };
      showTailoring(request.types, request.services);
      fields.forEach(function (field) {
        var value = strip(field.value);
        if (value) request[field.getAttribute("data-option")] = value;
        showError(root, field, field.getAttribute("data-option"), "");
      });
      request.assumes_roles = has(request, "assumes-roles") ? splitValues(request["assumes-roles"]) : [];
      request.without = Array.from(root.querySelectorAll("[data-for-choice]:not([hidden]) input:checked"), function (b) {
        return b.value;
      });
      request.scopes = {};
      root.querySelectorAll("[data-for-scope]:not([hidden]) [data-scope]").forEach(function (field) {
        var given = splitValues(field.value);
        if (given.length) request.scopes[field.getAttribute("data-scope")] = given;
        showError(root, field, "scope-" + field.getAttribute("data-scope"), "");
      });
      var format = root.querySelector("#format").value;
      var stackForm = root.querySelector(".iam-stack");
      if (stackForm) stackForm.hidden = format.indexOf(STACK) !== 0;
      if (!request.types.length) return null;
      for (;;) {
        try {
          if (format.indexOf(STACK) === 0) {
            return core.stackWriters[format.slice(STACK.length)](stack(compiled, stackRequest(request)));
          }
          var a = answer(compiled, request);
          return FORMATS[format]([a.document], a.identity, a.services);
        } catch (e) {
          if (e instanceof RequestError && e.option === "role-name") e.option = "role";
          // A value of one field is left out and shown beside it; any other refusal (no type
          // has a policy for the services chosen) goes to the status line, from update().
          if (e instanceof RequestError && e.option === "scope" && e.subject && has(request.scopes, e.subject)) {
            var scopeField = root.querySelector('[data-scope="' + e.subject + '"]');
            showError(root, scopeField, "scope-" + e.subject, e.message);
            delete request.scopes[e.subject];
            continue;
          }
          var field = e instanceof RequestError ? root.querySelector('[data-option="' + e.option + '"]') : null;
          if (!field || !has(request, e.option)) throw e;
          showError(root, field, e.option, e.message);
          delete request[e.option];
          if (e.option === "assumes-roles") request.assumes_roles = [];
        }
      }
    }

    /* iam-catalog stack's request from the form's: the stack's own fields out of print-iam's. */
    function stackRequest(request) {
      var inner = Object.assign({}, request, { role: null, user: null });
      inner.assumes_roles = has(request, "assumes-roles") ? splitValues(request["assumes-roles"]) : [];
      var trustValues = {};
      var out = { request: inner, role_name: request.role || null, trust: request.trust || null, trust_values: trustValues };
      out.external_id = has(request, "external-id") ? request["external-id"] : null;
      out.policy = request.policy || "managed";
      Object.keys(compiled.deploy.variables).forEach(function (name) {
        var option = compiled.deploy.variables[name].option;
        if (option && has(request, option)) trustValues[option] = request[option];
      });
      STACK_FIELDS.concat(Object.keys(trustValues)).forEach(function (option) { delete inner[option]; });
      return out;
    }

    function update() {
      var text = null;
      var message = "Choose at least one database type.";
      try {
        text = current();
      } catch (e) {
        if (!(e instanceof RequestError)) throw e;
        message = e.message;
      }
      output.textContent = text || "";
      status.textContent = text ? "" : message;
      // No type chosen yet: say what to do, rather than show an empty block and buttons that do nothing.
      var none = !checkedValues("type").length;
      root.querySelector("#builder-empty").hidden = !none;
      root.querySelector("pre.iam-policy").hidden = none;
      root.querySelector("#download").disabled = none;
      root.querySelector("#copy").disabled = none;
      var given = fields.filter(function (field) { return field.tagName !== "SELECT" && strip(field.value); }).map(
        function (field) { return [field.getAttribute("data-option"), strip(field.value)]; }
      );
      var more = root.querySelector("#optional").checked ? ["optional policies"] : [];
      var choices = root.querySelectorAll("[data-for-choice]:not([hidden]) input:checked").length;
      if (choices) more.push(plural(choices, "choice", "choices") + " ticked");
      var named = Array.from(root.querySelectorAll("[data-for-scope]:not([hidden]) [data-scope]")).filter(function (f) {
        return strip(f.value);
      }).length;
      if (named) more.push(plural(named, "resource", "resources") + " named");
      summarize(root.querySelector(".iam-fold"), given, more);
    }

    root.addEventListener("input", update);
    root.addEventListener("change", update);
    function currentOrNull() {
      try {
        return current();
      } catch (e) {
        if (e instanceof RequestError) return null;
        throw e;
      }
    }

    root.querySelector("#download").addEventListener("click", function () {
      var text = currentOrNull();
      if (!text) return;
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
      var services = servicesOf(compiled, checkedValues("service"));
      var format = root.querySelector("#format").value;
      var what = format.indexOf(STACK) === 0 ? "stack" : "service-policy";
      link.download = ["teleport"].concat(services, [what]).join("-") + SUFFIXES[format];
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
    root.querySelector("#copy").addEventListener("click", function () {
      var text = currentOrNull() || "";
      var done = function () { status.textContent = "Copied."; };
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, function () {});
    });
    root.hidden = false;
    update();
  }

  function readData(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.getAttribute("data-json")) : null;
  }

  function init() {
    // The theme's search is a dialog without a name, which screen readers announce as nothing
    // (axe-core's aria-dialog-name): name it after its own input.
    var search = document.querySelector(".md-search[role=dialog]:not([aria-label])");
    var query = search && search.querySelector("input[aria-label]");
    if (query) search.setAttribute("aria-label", query.getAttribute("aria-label"));
    // Tables and tab bars scroll sideways on a phone: a keyboard user must be able to reach
    // and scroll them (axe-core's scrollable-region-focusable), which the theme leaves out.
    document.querySelectorAll(".md-typeset__scrollwrap, .tabbed-labels").forEach(function (region) {
      if (!region.hasAttribute("tabindex")) region.setAttribute("tabindex", "0");
    });
    var builder = document.getElementById("iam-builder");
    var compiled = readData("iam-catalog-compiled");
    if (builder && compiled) initBuilder(builder, compiled);
    var form = document.querySelector("form.iam-values");
    var page = readData("iam-catalog-page");
    if (form && page) initValuesForm(form, page);
  }

  // Material's instant navigation swaps pages without a load event; document$ tells us.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})(globalThis.iamCatalogCore);
