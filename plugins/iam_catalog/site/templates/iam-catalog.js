/*
 * iam-catalog in the browser: the policy builder, and the reader's own values in every policy
 * block. The merge below is a line-by-line twin of plugins/iam_catalog/merge.py and
 * documents.py; the data it reads is what the build compiled from the catalog, and a test in
 * a real browser proves that both give the same policy.
 */
(function () {
  "use strict";

  var PLACEHOLDER = /\$\{([A-Za-z][A-Za-z0-9]*)\}/g;
  var SET_VALUED = ["Action", "NotAction", "Resource", "NotResource"];
  var IAM_VERSION = "2012-10-17";
  var STORAGE_KEY = "iam-catalog.values";
  var IAM_ARN = /^arn:([^:]+):iam::([0-9]{12}):(role|user)\/(.+)$/;

  // --- documents.py ---------------------------------------------------------------------

  function unique(items) {
    var seen = new Set();
    return items.filter(function (x) {
      if (seen.has(x)) return false;
      seen.add(x);
      return true;
    });
  }

  function fill(text, values) {
    var names = unique(Array.from(text.matchAll(PLACEHOLDER), function (m) { return m[1]; }))
      .filter(function (n) { return Object.prototype.hasOwnProperty.call(values, n); });
    var combos = [{}];
    names.forEach(function (name) {
      var choices = typeof values[name] === "string" ? [values[name]] : values[name];
      var next = [];
      combos.forEach(function (combo) {
        choices.forEach(function (choice) {
          var extended = Object.assign({}, combo);
          extended[name] = choice;
          next.push(extended);
        });
      });
      combos = next;
    });
    return combos.map(function (chosen) {
      return text.replace(PLACEHOLDER, function (whole, name) {
        return Object.prototype.hasOwnProperty.call(chosen, name) ? chosen[name] : whole;
      });
    });
  }

  function asList(value) { return typeof value === "string" ? [value] : value.slice(); }
  function oneOrMany(items) { return items.length === 1 ? items[0] : items; }

  function fillValues(value, values) {
    var out = [];
    asList(value).forEach(function (item) { out.push.apply(out, fill(item, values)); });
    return oneOrMany(unique(out));
  }

  function fillMap(mapping, values) {
    var out = {};
    Object.keys(mapping).forEach(function (key) {
      var v = mapping[key];
      out[key] = (v && typeof v === "object" && !Array.isArray(v)) ? fillMap(v, values) : fillValues(v, values);
    });
    return out;
  }

  function fillStatement(statement, values) {
    var out = {};
    Object.keys(statement).forEach(function (key) {
      var v = statement[key];
      if (SET_VALUED.indexOf(key) >= 0) out[key] = fillValues(v, values);
      else if (v && typeof v === "object" && !Array.isArray(v)) out[key] = fillMap(v, values);
      else out[key] = v;
    });
    return out;
  }

  function documentOf(statements) { return { Version: IAM_VERSION, Statement: statements }; }
  function dumps(doc) { return JSON.stringify(doc, null, 4) + "\n"; }

  // --- merge.py -------------------------------------------------------------------------

  function sortedJson(value) {
    if (Array.isArray(value)) return "[" + value.map(sortedJson).join(", ") + "]";
    if (value && typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (k) {
        return JSON.stringify(k) + ": " + sortedJson(value[k]);
      }).join(", ") + "}";
    }
    return JSON.stringify(value);
  }

  function grants(statement) {
    var condition = sortedJson(statement.Condition || {});
    var out = [];
    asList(statement.Action).forEach(function (action) {
      asList(statement.Resource || []).forEach(function (resource) {
        out.push([statement.Effect, action, resource, condition]);
      });
    });
    return out;
  }

  function grantKey(g) { return JSON.stringify([g[0], g[1].toLowerCase(), g[2], g[3]]); }

  function regroup(statement, remaining) {
    var byAction = new Map();
    remaining.forEach(function (g) {
      if (!byAction.has(g[1])) byAction.set(g[1], []);
      byAction.get(g[1]).push(g[2]);
    });
    var byResources = new Map();
    byAction.forEach(function (resources, action) {
      var key = JSON.stringify(resources);
      if (!byResources.has(key)) byResources.set(key, { resources: resources, actions: [] });
      byResources.get(key).actions.push(action);
    });
    var out = [];
    byResources.forEach(function (group) {
      var part = {};
      Object.keys(statement).forEach(function (k) {
        if (k === "Action") part[k] = oneOrMany(group.actions);
        else if (k === "Resource") part[k] = oneOrMany(group.resources);
        else part[k] = statement[k];
      });
      out.push(part);
    });
    return out;
  }

  function mergeStatements(statements) {
    var seen = new Set();
    var sids = new Set();
    var merged = [];
    statements.forEach(function (statement) {
      var own = grants(statement);
      var remaining = own.filter(function (g) { return !seen.has(grantKey(g)); });
      own.forEach(function (g) { seen.add(grantKey(g)); });
      if (!remaining.length) return;
      var parts = remaining.length === own.length ? [statement] : regroup(statement, remaining);
      parts.forEach(function (part, i) {
        if (part.Sid) {
          var sid = i === 0 ? part.Sid : part.Sid + String(i + 1);
          while (sids.has(sid)) sid += "X";
          sids.add(sid);
          part = Object.assign({}, part, { Sid: sid });
        }
        merged.push(part);
      });
    });
    return merged;
  }

  function typeVariables(compiled, type) { return Object.assign({}, compiled.variables, type.variables); }

  function mergedDocument(compiled, typeIds, values, optional) {
    var statements = [];
    compiled.types.forEach(function (type) {
      if (typeIds.indexOf(type.id) < 0) return;
      var filled = {};
      var declared = typeVariables(compiled, type);
      Object.keys(declared).forEach(function (n) { filled[n] = declared[n].default; });
      Object.assign(filled, values);
      type.policies.forEach(function (policy) {
        if (!optional && policy.optional) return;
        policy.statements.forEach(function (st) { statements.push(fillStatement(st, filled)); });
      });
    });
    return documentOf(mergeStatements(statements));
  }

  // --- reader's values ------------------------------------------------------------------

  function accepts(variable, value) {
    if (variable.choices) return variable.choices.indexOf(value) >= 0;
    return !variable.pattern || new RegExp("^(?:" + variable.pattern + ")$").test(value);
  }

  function expected(variable) {
    if (variable.choices) return "one of " + variable.choices.join(", ");
    return variable.hint || "a value matching " + variable.pattern;
  }

  function showError(root, field, name, message) {
    var error = root.querySelector('[data-error-for="' + name + '"]');
    if (error) error.textContent = message;
    field.setAttribute("aria-invalid", message ? "true" : "false");
  }

  /* As print-iam --role ARN: the ARN's partition and account fill in missing values; a clash
     with a value given is an error. Returns the error, or "" after setting the values. */
  function fromArn(kind, name, value, values) {
    var match = IAM_ARN.exec(value);
    if (!match || match[3] !== kind) return "Expected a " + kind + " name or the ARN of an IAM " + kind + ".";
    if (values.Partition && match[1] !== values.Partition) {
      return "The " + kind + " is in partition " + match[1] + ", not " + values.Partition + ".";
    }
    if (values.Account && match[2] !== values.Account) return "The " + kind + " is in account " + match[2] + ".";
    values.Partition = match[1];
    values.Account = match[2];
    values[name] = match[4];
    return "";
  }

  /* Read every [data-variable] field of `root`; show an error beside each bad one. Returns
     the valid values by variable name; a bad value is left out, never baked into a policy.
     A field marked data-arn also takes an ARN, read once every other field is known. */
  function readFields(root, variables) {
    var values = {};
    var arns = [];
    root.querySelectorAll("[data-variable]").forEach(function (field) {
      var name = field.getAttribute("data-variable");
      var value = field.value.trim();
      var variable = variables[name];
      var message = "";
      if (value && field.hasAttribute("data-arn") && value.indexOf("arn:") === 0) {
        arns.push({ field: field, name: name, value: value });
        return;
      }
      if (value && variable && !accepts(variable, value)) message = "Expected " + expected(variable) + ".";
      else if (value) values[name] = value;
      showError(root, field, name, message);
    });
    arns.forEach(function (a) {
      showError(root, a.field, a.name, fromArn(a.field.getAttribute("data-arn"), a.name, a.value, values));
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

  function initValuesForm(form, data) {
    var variables = data.variables;
    var stored = loadStored();
    form.querySelectorAll("[data-variable]").forEach(function (field) {
      var name = field.getAttribute("data-variable");
      if (stored[name]) field.value = stored[name];
    });

    function apply() {
      var values = readFields(form, variables);
      var own = {};  // only what differs from the page's defaults is the reader's
      Object.keys(values).forEach(function (n) {
        if (!variables[n] || values[n] !== variables[n].default) own[n] = values[n];
      });
      storeValues(own);
      var filled = {};
      Object.keys(variables).forEach(function (n) { filled[n] = variables[n].default; });
      Object.assign(filled, own);
      var custom = Object.keys(own).length > 0;
      document.querySelectorAll("a.iam-download[data-policy]").forEach(function (link) {
        var template = data.policies[link.getAttribute("data-policy")];
        var paragraph = link.closest("p");
        var block = paragraph && paragraph.previousElementSibling;
        if (!template || !block || !block.classList.contains("highlight")) return;
        var text = dumps(documentOf(template.Statement.map(function (st) { return fillStatement(st, filled); })));
        showInBlock(block, text);
        setDownload(link, custom ? text : null);
      });
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.querySelector("[data-action=clear]").addEventListener("click", function () {
      form.querySelectorAll("[data-variable]").forEach(function (field) {
        field.value = field.tagName === "SELECT" ? field.options[0].value : "";
      });
      apply();
    });
    form.hidden = false;
    apply();
  }

  // --- the policy builder ---------------------------------------------------------------

  function builderValues(form, compiled, typeIds) {
    var declared = {};
    compiled.types.forEach(function (t) {
      if (typeIds.indexOf(t.id) >= 0) Object.assign(declared, typeVariables(compiled, t));
    });
    var values = readFields(form, Object.assign({}, compiled.variables, declared));
    Object.keys(declared).forEach(function (name) {
      if (!(name in values)) values[name] = declared[name].example ? "${" + name + "}" : declared[name].default;
    });
    return values;
  }

  function initBuilder(root, compiled) {
    var output = root.querySelector("#policy");
    var status = root.querySelector("#builder-status");

    function current() {
      var typeIds = Array.from(root.querySelectorAll("input[name=type]:checked"), function (b) { return b.value; });
      if (!typeIds.length) return null;
      var optional = root.querySelector("#optional");
      return dumps(mergedDocument(compiled, typeIds, builderValues(root, compiled, typeIds), optional && optional.checked));
    }

    function update() {
      var text = current();
      output.textContent = text || "";
      status.textContent = text ? "" : "Choose at least one database type.";
    }

    root.addEventListener("input", update);
    root.addEventListener("change", update);
    root.querySelector("#download").addEventListener("click", function () {
      var text = current();
      if (!text) return;
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
      link.download = "teleport-database-service-policy.json";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
    root.querySelector("#copy").addEventListener("click", function () {
      var text = current() || "";
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

  window.iamCatalog = { mergedDocument: mergedDocument, fillStatement: fillStatement, dumps: dumps };
})();
