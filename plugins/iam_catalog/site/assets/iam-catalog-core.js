/*
 * The twin of print-iam, without a page: `answer` and the merge below are line-by-line twins of
 * plugins/iam_catalog/printiam/request.py and formats.py, iam/merge.py, iam/tailor.py,
 * iam/patterns.py and iam/documents.py. The rules they apply (variable patterns and choices,
 * which option sets which variable, the shape of an IAM identity's ARN) are data the build
 * compiled from the catalog. No DOM and no globals but its one export: Node loads it with
 * require() (tests/twin.cjs, which tests/test_twin.py drives with thousands of random requests
 * and holds to the same bytes and the same refusals as Python), and the browser as
 * `iamCatalogCore`, for iam-catalog.js.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.iamCatalogCore = api;
})(typeof globalThis === "object" ? globalThis : this, function () {
  "use strict";

  var PLACEHOLDER = /\$\{([A-Za-z][A-Za-z0-9]*)\}/g;
  var SET_VALUED = ["Action", "NotAction", "Resource", "NotResource"];
  var IAM_VERSION = "2012-10-17";

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
    var names = unique(placeholders(text)).filter(function (n) { return has(values, n); });
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
        return has(chosen, name) ? chosen[name] : whole;
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

  function has(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  function fullMatch(pattern, value) { return new RegExp("^(?:" + pattern + ")$").test(value); }

  function placeholders(text) { return Array.from(text.matchAll(PLACEHOLDER), function (m) { return m[1]; }); }

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
      asList(has(statement, "Resource") ? statement.Resource : []).forEach(function (resource) {
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

  // --- patterns.py --------------------------------------------------------------------

  var STAR = { wildcard: "*" };
  var ONE = { wildcard: "?" };
  var PLACEHOLDER_TOKEN = /\$\{[A-Za-z][A-Za-z0-9]*\}/g;

  function chars(text) {
    return Array.from(text, function (c) { return c === "*" ? STAR : c === "?" ? ONE : c; });
  }

  function symbols(text) {
    var out = [];
    var pos = 0;
    Array.from(text.matchAll(PLACEHOLDER_TOKEN)).forEach(function (m) {
      out.push.apply(out, chars(text.slice(pos, m.index)));
      out.push(m[0]);
      pos = m.index + m[0].length;
    });
    out.push.apply(out, chars(text.slice(pos)));
    return out;
  }

  function covers(wide, narrow) {
    var wilds = [wide.indexOf("*"), wide.indexOf("?")].filter(function (k) { return k >= 0; });
    if (!wilds.length) return wide === narrow;
    var lastWild = Math.max(wide.lastIndexOf("*"), wide.lastIndexOf("?"));
    var start = wide.slice(0, Math.min.apply(null, wilds));
    if (!narrow.startsWith(start) || !narrow.endsWith(wide.slice(lastWild + 1))) return false;
    var runs = wide.slice(start.length, lastWild).split("*");
    if (runs.some(function (part) { return part.indexOf("?") < 0 && narrow.indexOf(part) < 0; })) {
      return false; // a literal run between the wildcards must stand somewhere in `narrow`
    }
    var w = symbols(wide);
    var n = symbols(narrow);
    var segments = [[]];
    w.forEach(function (symbol) {
      if (symbol === STAR) segments.push([]);
      else segments[segments.length - 1].push(symbol);
    });
    if (segments.length === 1) return w.length === n.length && fitsAt(w, n, 0);
    var first = segments[0], middle = segments.slice(1, -1), last = segments[segments.length - 1];
    var end = n.length - last.length;
    if (end < first.length || !fitsAt(first, n, 0) || !fitsAt(last, n, end)) return false;
    var pos = first.length;
    for (var s = 0; s < middle.length; s++) {
      var place = -1;
      for (var p = pos; p <= end - middle[s].length; p++) {
        if (fitsAt(middle[s], n, p)) { place = p; break; }
      }
      if (place < 0) return false;
      pos = place + middle[s].length;
    }
    return true;
  }

  function fitsAt(segment, n, at) {
    for (var k = 0; k < segment.length; k++) {
      var w = segment[k], x = n[at + k];
      if (w === ONE) {
        if (!(x === ONE || (typeof x === "string" && Array.from(x).length === 1))) return false;
      } else if (w !== x) {
        return false;
      }
    }
    return true;
  }

  // --- tailor.py ------------------------------------------------------------------------

  function ruleChoices(rule) {
    return (rule.omit_when || []).concat(Object.keys(rule.omit_actions || {}));
  }

  function ruleScopes(rule) { return (rule.scope_variables || []).slice(); }

  function tailor(statement, rule, without, scoped) {
    if ((rule.omit_when || []).some(function (c) { return without.indexOf(c) >= 0; })) return null;
    var out = statement;
    var gone = new Set();
    Object.keys(rule.omit_actions || {}).forEach(function (c) {
      if (without.indexOf(c) >= 0) rule.omit_actions[c].forEach(function (a) { gone.add(a.toLowerCase()); });
    });
    if (gone.size) {
      var actions = asList(statement.Action).filter(function (a) { return !gone.has(a.toLowerCase()); });
      if (!actions.length) return null;
      out = Object.assign({}, out, { Action: oneOrMany(actions) });
    }
    var templates = rule.scope;
    if (templates && ruleScopes(rule).some(function (n) { return scoped.indexOf(n) >= 0; })) {
      out = Object.assign({}, out, { Resource: oneOrMany(templates.slice()) });
    }
    return out;
  }

  /* tailor.held_back */
  function heldBack(statement, held) {
    var marks = held.map(function (name) { return "${" + name + "}"; });
    var resources = asList(statement.Resource || []);
    var kept = resources.filter(function (r) { return !marks.some(function (m) { return r.indexOf(m) >= 0; }); });
    if (kept.length === resources.length) return statement;
    return kept.length ? Object.assign({}, statement, { Resource: oneOrMany(kept) }) : null;
  }

  function used(rules) {
    var choices = [], scopes = [];
    rules.forEach(function (rule) {
      ruleChoices(rule).forEach(function (c) { if (choices.indexOf(c) < 0) choices.push(c); });
      ruleScopes(rule).forEach(function (n) { if (scopes.indexOf(n) < 0) scopes.push(n); });
    });
    return [choices, scopes];
  }

  // --- merge.py (continued) ---------------------------------------------------------------

  function wild(text) { return text.indexOf("*") >= 0 || text.indexOf("?") >= 0; }

  function coveredGrants(order) {
    var byAction = new Map();
    var wildActions = [];
    order.forEach(function (g, j) {
      if (g[3] === "{}" && wild(g[2])) {
        if (wild(g[1])) {
          wildActions.push(j);
        } else {
          var key = JSON.stringify([g[0], g[1].toLowerCase()]);
          if (!byAction.has(key)) byAction.set(key, []);
          byAction.get(key).push(j);
        }
      }
    });

    function covering(h, g) {
      return h[0] === g[0] && covers(h[1].toLowerCase(), g[1].toLowerCase()) && covers(h[2], g[2]);
    }

    var dropped = new Set();
    order.forEach(function (g, i) {
      var candidates = (byAction.get(JSON.stringify([g[0], g[1].toLowerCase()])) || []).concat(wildActions);
      for (var k = 0; k < candidates.length; k++) {
        var j = candidates[k];
        if (j !== i && covering(order[j], g) && (j < i || !covering(g, order[j]))) {
          dropped.add(i);
          break;
        }
      }
    });
    return dropped;
  }

  function mergeStatements(statements) {
    var seen = new Set();
    var kept = [];
    statements.forEach(function (statement) {
      var own = grants(statement);
      var keys = own.map(grantKey);
      kept.push([statement, own, own.filter(function (g, k) { return !seen.has(keys[k]); })]);
      keys.forEach(function (key) { seen.add(key); });
    });
    var order = [];
    kept.forEach(function (entry) { order.push.apply(order, entry[2]); });
    var dropped = coveredGrants(order);
    var sids = new Set();
    var merged = [];
    var position = 0;
    kept.forEach(function (entry) {
      var statement = entry[0], own = entry[1], remaining = entry[2];
      var left = remaining.filter(function (g, k) { return !dropped.has(position + k); });
      position += remaining.length;
      if (!left.length) return;
      var parts = left.length === own.length ? [statement] : regroup(statement, left);
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

  function servicesOf(compiled, wanted) {
    var ids = compiled.services.map(function (s) { return s.id; });
    return wanted && wanted.length ? ids.filter(function (s) { return wanted.indexOf(s) >= 0; }) : ids.slice(0, 1);
  }

  function distinctSids(compiled, picked) {
    var rank = {}, prefix = {}, owner = {};
    compiled.services.forEach(function (s, i) { rank[s.id] = i; prefix[s.id] = s.sid_prefix; });
    picked.forEach(function (p) {
      var st = p[1];
      if (has(st, "Sid")) owner[st.Sid] = Math.min(has(owner, st.Sid) ? owner[st.Sid] : rank[p[0]], rank[p[0]]);
    });
    return picked.map(function (p) {
      var st = p[1];
      return has(st, "Sid") && owner[st.Sid] < rank[p[0]] ? Object.assign({}, st, { Sid: prefix[p[0]] + st.Sid }) : st;
    });
  }

  // `held`, with answer's: the variables whose statements wait (request.py); `waiting` set when one did.
  function mergedDocument(compiled, typeIds, values, optional, services, without, scoped, held) {
    var wanted = servicesOf(compiled, services);
    without = without || [];
    scoped = scoped || [];
    held = held || { names: [], waiting: false };
    var tailoring = without.length > 0 || scoped.length > 0;
    var picked = [];
    compiled.types.forEach(function (type) {
      if (typeIds.indexOf(type.id) < 0) return;
      var filled = {};
      var declared = typeVariables(compiled, type);
      Object.keys(declared).forEach(function (n) { filled[n] = declared[n].default; });
      Object.assign(filled, values);
      type.policies.forEach(function (policy) {
        if ((!optional && policy.optional) || wanted.indexOf(policy.service) < 0) return;
        policy.statements.forEach(function (st, i) {
          var rule = policy.rules[i];
          var tailored = tailoring && Object.keys(rule).length ? tailor(st, rule, without, scoped) : st;
          if (tailored === null) return;
          var filledSt = fillStatement(tailored, filled);
          var kept = held.names.length ? heldBack(filledSt, held.names) : filledSt;
          if (kept !== filledSt) held.waiting = true;
          if (kept !== null) picked.push([policy.service, kept]);
        });
      });
    });
    var statements = wanted.length > 1 ? distinctSids(compiled, picked) : picked.map(function (p) { return p[1]; });
    return documentOf(mergeStatements(statements));
  }

  // --- printiam/request.py -------------------------------------------------------------

  var ARN_OPTIONS = { role: "role", user: "user", "assumes-roles": "role" };
  var ARN_PARTS = [["partition", 1], ["account", 2]];
  // Python's str.strip() removes exactly the characters str.isspace() calls white space.
  var SPACE = "\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
  var STRIP = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");

  function strip(text) { return text.replace(STRIP, ""); }

  // request.folded, _edits, did_you_mean: ASCII letters only, distances by code point.
  var NEAR = 2, LONGEST = 64;
  function folded(text) { return text.replace(/[A-Z]/g, function (c) { return c.toLowerCase(); }); }

  function edits(a, b) {
    var x = Array.from(a), y = Array.from(b);
    var row = [];
    for (var k = 0; k <= y.length; k++) row.push(k);
    for (var i = 1; i <= x.length; i++) {
      var diagonal = row[0];
      row[0] = i;
      for (var j = 1; j <= y.length; j++) {
        var above = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (x[i - 1] === y[j - 1] ? 0 : 1));
        diagonal = above;
      }
    }
    return row[y.length];
  }

  function didYouMean(name, known) {
    if (Array.from(name).length > LONGEST) return "";
    var best = null;
    known.forEach(function (candidate) {
      var d = edits(folded(name), folded(candidate));
      if (d <= NEAR && d < Array.from(candidate).length && (best === null || d < best[0])) best = [d, candidate];
    });
    return best ? " (did you mean " + best[1] + "?)" : "";
  }

  function RequestError(message, option, subject) {
    this.message = message;
    this.option = option === undefined ? null : option;
    this.subject = subject === undefined ? null : subject;
  }

  function resolveTypes(compiled, names) {
    var byName = new Map(), spelled = [];
    compiled.types.forEach(function (t) {
      [t.id].concat(t.aliases).forEach(function (n) { byName.set(folded(n), t); spelled.push(n); });
    });
    var chosen = [];
    names.forEach(function (name) {
      var type = byName.get(folded(strip(name)));
      if (type === undefined) {
        var hint = didYouMean(strip(name), spelled);
        throw new RequestError(
          "unknown database type " + shown(strip(name)) + hint + "; valid types: " + spelled.join(", "), "types");
      }
      if (chosen.indexOf(type) < 0) chosen.push(type);
    });
    if (!chosen.length) throw new RequestError("--types needs at least one database type", "types");
    return chosen;
  }

  function accepts(variable, value) {
    if (has(variable, "choices")) return variable.choices.indexOf(value) >= 0;
    return !has(variable, "pattern") || fullMatch(variable.pattern, value);
  }

  function expected(variable) {
    if (has(variable, "choices")) return "one of " + variable.choices.join(", ");
    return variable.hint || "a value matching " + variable.pattern;
  }

  function check(variable, value, option, label, subject) {
    if (!variable || accepts(variable, value)) return;
    throw new RequestError(label + " " + shown(value) + " is not valid: expected " + expected(variable), option, subject);
  }

  /* request._of_other_services */
  function ofOtherServices(compiled, types, ids, name) {
    var theirs = {};
    types.forEach(function (t) {
      (has(t.tailoring_services, name) ? t.tailoring_services[name] : []).forEach(function (s) {
        if (ids.indexOf(s) < 0) theirs[s] = true;
      });
    });
    var services = compiled.services.filter(function (s) { return has(theirs, s.id); });
    if (!services.length) return null;
    var titles = services.map(function (s) { return s.title; }).join(" or the ");
    return "of the " + titles + "'s policy; print it with --service " + services.map(function (s) { return s.id; }).join(",");
  }

  function tailoringOf(compiled, request, types, ids) {
    var rules = [];
    types.forEach(function (t) {
      t.policies.forEach(function (p) { if (ids.indexOf(p.service) >= 0) rules.push.apply(rules, p.rules); });
    });
    var found = used(rules), choices = found[0], scopes = found[1];
    var without = unique((request.without || []).map(strip).filter(function (c) { return c; }));
    without.forEach(function (choice) {
      if (choices.indexOf(choice) < 0) {
        var elsewhere = ofOtherServices(compiled, types, ids, choice);
        var message = elsewhere ? "a choice " + elsewhere
          : "not a choice for these types" + didYouMean(choice, choices) + "; choices: " + (choices.join(", ") || "none");
        throw new RequestError("--without " + shown(choice) + ": " + message, "without");
      }
    });
    var requested = request.scopes || {};
    Object.keys(requested).forEach(function (name) {
      if (scopes.indexOf(name) < 0) {
        var elsewhere = ofOtherServices(compiled, types, ids, name);
        var message = elsewhere ? "a scope variable " + elsewhere
          : "no such scope variable for these types" + didYouMean(name, scopes) + "; known: " + (scopes.join(", ") || "none");
        throw new RequestError("--scope " + shown(name) + ": " + message, "scope", name);
      }
      requested[name].forEach(function (value) { check(compiled.scopes[name], value, "scope", "--scope " + name, name); });
    });
    var values = {};
    scopes.forEach(function (name) {
      var given = unique(has(requested, name) ? requested[name] : []);
      values[name] = !given.length ? "*" : given.length === 1 ? given[0] : given;
    });
    return [without, values];
  }

  function nameIn(compiled, option, value, given, byOption) {
    if (value.indexOf("arn:") !== 0) return value;
    var kind = ARN_OPTIONS[option];
    var match = new RegExp("^(?:" + compiled.identity_arn + ")$").exec(value);
    if (!match || match[3] !== kind) throw new RequestError(shown(value) + " is not the ARN of an IAM " + kind, option);
    ARN_PARTS.forEach(function (part) {
      if (!has(byOption, part[0])) return;
      var name = byOption[part[0]];
      if (!has(given, name)) given[name] = match[part[1]];
      if (given[name] !== match[part[1]]) {
        throw new RequestError(shown(value) + " is in " + part[0] + " " + match[part[1]] + ", not " + given[name], option);
      }
    });
    return match[4];
  }

  function resolveServices(compiled, names) {
    var ids = compiled.services.map(function (s) { return s.id; });
    names.forEach(function (name) {
      if (ids.indexOf(strip(name)) < 0) {
        throw new RequestError(
          "unknown service " + shown(strip(name)) + didYouMean(strip(name), ids) + "; valid services: " + ids.join(", "),
          "service");
      }
    });
    var wanted = servicesOf(compiled, names.map(strip));
    return compiled.services.filter(function (s) { return wanted.indexOf(s.id) >= 0; });
  }

  /* request._covering */
  function coveringTypes(types, services) {
    var ids = services.map(function (s) { return s.id; });
    var found = types.filter(function (t) {
      return t.policies.some(function (p) { return ids.indexOf(p.service) >= 0; });
    });
    if (!found.length) {
      var names = types.map(function (t) { return t.id; }).join(", ");
      var titles = services.map(function (s) { return s.title; }).join(" or the ");
      throw new RequestError(names + ": no policy for the " + titles + "; see the type's page for why", "types");
    }
    return found;
  }

  /* request: {types, services, role, user, assumes_roles, account, partition, region, variables:
     [[name, value], ...], optional}; absent values are null or missing. Throws RequestError. */
  function answer(compiled, request, deployed) {
    deployed = deployed || [];
    var services = resolveServices(compiled, request.services || []);
    var asked = resolveTypes(compiled, request.types);
    var types = coveringTypes(asked, services);
    var declared = {};
    types.forEach(function (t) { Object.assign(declared, typeVariables(compiled, t)); });
    var byOption = {};
    Object.keys(declared).forEach(function (name) {
      if (has(declared[name], "option")) byOption[declared[name].option] = name;
    });
    if (request.role && request.user) throw new RequestError("give --role or --user, not both", "user");

    var given = {};
    [["account", request.account], ["partition", request.partition], ["region", request.region]].forEach(function (o) {
      if (o[1] === null || o[1] === undefined || !has(byOption, o[0])) return;
      check(declared[byOption[o[0]]], o[1], o[0], "--" + o[0]);
      given[byOption[o[0]]] = o[1];
    });
    (request.variables || []).forEach(function (pair) {
      var name = pair[0];
      if (!has(declared, name)) {
        var known = Object.keys(declared).sort().join(", ");
        throw new RequestError("--var " + shown(name) + ": no such variable for these types; known: " + known, "var");
      }
      check(declared[name], pair[1], "var", "--var " + name);
      given[name] = pair[1];
    });

    var identity = null;
    [["role", request.role], ["user", request.user]].forEach(function (o) {
      if (!o[1]) return;
      identity = [o[0], nameIn(compiled, o[0], o[1], given, byOption)];
      if (o[0] === "user") {
        var rule = has(byOption, "user") && has(declared, byOption.user) ? declared[byOption.user] : null;
        if (!rule) throw new RequestError("--user: the catalog declares no rule for IAM user names", "user");
        check(rule, identity[1], "user", "--user");
      }
      (o[0] === "role" ? services : []).forEach(function (service) {
        check(has(declared, service.identity) ? declared[service.identity] : null, identity[1], o[0], "--" + o[0]);
        given[service.identity] = identity[1];
      });
    });
    var roles = (request.assumes_roles || [])
      .filter(function (r) { return strip(r); })
      .map(function (r) { return nameIn(compiled, "assumes-roles", strip(r), given, byOption); });
    var values = Object.assign({}, given);
    if (roles.length && has(byOption, "assumes-roles")) {
      var userRole = byOption["assumes-roles"];
      roles.forEach(function (role) { check(declared[userRole], role, "assumes-roles", "--assumes-roles"); });
      values[userRole] = roles;
    }
    Object.keys(declared).forEach(function (name) {
      // An example default must never reach a real account: it stays a placeholder.
      var keep = declared[name].example || deployed.indexOf(name) >= 0;
      if (!has(values, name)) values[name] = keep ? "${" + name + "}" : declared[name].default;
    });
    var ids = services.map(function (s) { return s.id; });
    var tailoring = tailoringOf(compiled, request, types, ids);
    Object.assign(values, tailoring[1]);
    var requested = request.scopes || {};
    var scoped = Object.keys(requested).filter(function (n) { return requested[n].length; });
    // The database-user roles, not named: what is on them waits for --assumes-roles.
    var userRoleName = has(byOption, "assumes-roles") ? byOption["assumes-roles"] : null;
    var unnamed = userRoleName !== null && has(values, userRoleName) && values[userRoleName] === "${" + userRoleName + "}";
    var held = { names: unnamed ? [userRoleName] : [], waiting: false };
    var typeIds = types.map(function (t) { return t.id; });
    var doc = mergedDocument(compiled, typeIds, values, request.optional, ids, tailoring[0], scoped, held);
    if (!doc.Statement.length && held.waiting) {
      throw new RequestError(
        typeIds.join(", ") + ": every statement is on the database-user roles: give --assumes-roles", "assumes-roles");
    }
    if (!doc.Statement.length) {
      throw new RequestError("--without leaves out every statement of these types: nothing is left to grant", "without");
    }
    var left = new Set(placeholders(JSON.stringify(doc)));
    return {
      document: doc,
      unfilled: Object.keys(declared).filter(function (n) { return left.has(n); }),
      identity: identity,
      services: services,
      skipped: asked.filter(function (t) { return types.indexOf(t) < 0; }).map(function (t) { return t.id; }),
      values: values,
      assumesRoles: roles,
      waiting: held.waiting ? held.names : [],
      options: optionsOf(byOption, services),
    };
  }

  // --- printiam/formats.py -----------------------------------------------------------------

  /* formats._names */
  function resourceNames(services) {
    var ids = services.map(function (s) { return s.id; });
    var words = services.map(function (s) { return s.title; }).join(" and ");
    return [
      ["teleport"].concat(ids, ["service"]).join("_").replace(/-/g, "_"),
      ["Teleport"].concat(ids.map(pythonTitle), ["ServicePolicy"]).join(""),
      "IAM permissions of the Teleport " + words,
    ];
  }

  /* Python's str.title() then without hyphens, for the ids services have (ASCII slugs). */
  function pythonTitle(id) {
    return id.replace(/[A-Za-z]+/g, function (w) { return w[0].toUpperCase() + w.slice(1).toLowerCase(); })
      .replace(/-/g, "");
  }

  /* printiam's shown(): a reader's value in a message, as Python's json.dumps writes it. */
  function shown(value) { return asciiJson(value); }

  /* Python's json.dumps(text): ASCII only, every other character (and DEL) as \u escapes. */
  function asciiJson(text) {
    return JSON.stringify(text).replace(/[^\x20-\x7e]/g, function (c) {
      return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    });
  }

  /* formats.hcl_string: ASCII only, HCL's own escapes (JSON's \b and \f are not HCL's); a
     placeholder that `interpolations` maps to an expression is interpolated, every other ${ kept. */
  var HCL_SHORT = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  function hclText(text) {
    return text.split("%{").join("%%{").replace(/["\\\x00-\x1f\x7f-\u{10ffff}]/gu, function (c) {
      if (has(HCL_SHORT, c)) return HCL_SHORT[c];
      var point = c.codePointAt(0);
      if (point >= 0xd800 && point <= 0xdfff) point = 0xfffd;  // a lone surrogate is no character
      return point <= 0xffff ? "\\u" + point.toString(16).padStart(4, "0") : "\\U" + point.toString(16).padStart(8, "0");
    });
  }
  function hclString(text, interpolations) {
    var parts = text.split("${");
    var out = [hclText(parts[0])];
    parts.slice(1).forEach(function (part) {
      var close = part.indexOf("}");
      var name = close >= 0 ? part.slice(0, close) : null;
      if (name !== null && interpolations && has(interpolations, name)) {
        out.push("${" + interpolations[name] + "}" + hclText(part.slice(close + 1)));
      } else {
        out.push("$${" + hclText(part));
      }
    });
    return '"' + out.join("") + '"';
  }
  function hclList(values, interpolations) {
    return "[" + asList(values).map(function (v) { return hclString(v, interpolations); }).join(", ") + "]";
  }

  /* formats.Block and hcl_block: terraform fmt's alignment of consecutive attributes. */
  function Block(header, items) { this.header = header; this.items = items; }
  function hclBlock(block, indent) {
    indent = indent || "";
    if (!block.items.length) return [indent + block.header + " {}"];
    var lines = [indent + block.header + " {"];
    var run = [];
    function flush() {
      var width = run.reduce(function (w, a) { return Math.max(w, a[0].length); }, 0);
      run.forEach(function (a) { lines.push(indent + "  " + a[0].padEnd(width) + " = " + a[1]); });
      run = [];
    }
    block.items.forEach(function (item) {
      if (item instanceof Block) {
        flush();
        lines.push.apply(lines, hclBlock(item, indent + "  "));
      } else {
        run.push(item);
      }
    });
    flush();
    lines.push(indent + "}");
    return lines;
  }

  function terraformStatement(st, interpolations) {
    var items = [];
    if (has(st, "Sid")) items.push(["sid", hclString(st.Sid)]);
    items.push(["effect", hclString(st.Effect)]);
    items.push(["actions", hclList(st.Action, interpolations)]);
    if (has(st, "Resource")) items.push(["resources", hclList(st.Resource, interpolations)]);
    Object.keys(st.Principal || {}).forEach(function (kind) {
      items.push(new Block("principals", [["type", hclString(kind)], ["identifiers", hclList(st.Principal[kind], interpolations)]]));
    });
    Object.keys(st.Condition || {}).forEach(function (test) {
      Object.keys(st.Condition[test]).forEach(function (variable) {
        items.push(new Block("condition", [
          ["test", hclString(test)],
          ["variable", hclString(variable, interpolations)],
          ["values", hclList(st.Condition[test][variable], interpolations)],
        ]));
      });
    });
    return new Block("statement", items);
  }

  function policyDocumentBlock(name, doc, interpolations) {
    var statements = doc.Statement.map(function (st) { return terraformStatement(st, interpolations); });
    return hclBlock(new Block('data "aws_iam_policy_document" ' + hclString(name), statements)).join("\n");
  }

  function policyNames(documents, services) {
    var base = resourceNames(services)[0];
    return documents.map(function (doc, i) { return documents.length === 1 ? base : base + "_" + (i + 1); });
  }

  function terraform(documents, identity, services) {
    var names = policyNames(documents, services);
    return documents.map(function (doc, i) { return policyDocumentBlock(names[i], doc); }).join("\n\n") + "\n";
  }

  function cloudformation(documents, identity, services) {
    var n = resourceNames(services);
    var resources = {};
    documents.forEach(function (doc, i) {
      var properties = { Description: n[2], PolicyDocument: doc };
      if (identity) properties[identity[0] === "role" ? "Roles" : "Users"] = [identity[1]];
      resources[documents.length === 1 ? n[1] : n[1] + (i + 1)] = { Type: "AWS::IAM::ManagedPolicy", Properties: properties };
    });
    var template = { AWSTemplateFormatVersion: "2010-09-09", Description: n[2] + ", from iam-catalog", Resources: resources };
    if (strings(template).some(function (text) { return DYNAMIC_REFERENCE.test(text); })) {
      throw new RequestError("a value holds '{{resolve:', which CloudFormation would read as a dynamic reference");
    }
    return dumps(template);
  }

  // formats._DYNAMIC_REFERENCE: CloudFormation resolves {{resolve:...}} in any string.
  var DYNAMIC_REFERENCE = /\{\{[\t\n\x0b\x0c\r ]*resolve[\t\n\x0b\x0c\r ]*:/i;
  function strings(value) {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return [].concat.apply([], value.map(strings));
    if (value && typeof value === "object") {
      return [].concat.apply([], Object.keys(value).map(function (k) { return [k].concat(strings(value[k])); }));
    }
    return [];
  }

  function asJson(documents) { return dumps(documents.length === 1 ? documents[0] : { Policies: documents }); }

  // --- request.split_document and what the stack needs of print-iam -------------------------

  var MANAGED_POLICY_LIMIT = 6144;
  var INLINE_ROLE_LIMIT = 10240;
  var TRUST_POLICY_LIMIT = 2048;

  /* documents.compact_size: characters as Python counts them (code points), no whitespace. */
  function compactSize(doc) { return Array.from(JSON.stringify(doc)).length; }

  function splitDocument(doc, limit) {
    limit = limit || MANAGED_POLICY_LIMIT;
    var parts = [];
    doc.Statement.forEach(function (statement) {
      if (parts.length) {
        var candidate = Object.assign({}, doc, { Statement: parts[parts.length - 1].Statement.concat([statement]) });
        if (compactSize(candidate) <= limit) {
          parts[parts.length - 1] = candidate;
          return;
        }
      }
      var single = Object.assign({}, doc, { Statement: [statement] });
      var size = compactSize(single);
      if (size > limit) {
        var resources = has(statement, "Resource") ? statement.Resource : [];
        var count = Array.isArray(resources) ? resources.length : 1;
        throw new RequestError("--split: statement " + (statement.Sid || "(without a Sid)") + " alone is " + size +
          " characters, over the limit of " + limit + ": it names " + count + " resources; give fewer --scope or" +
          " --assumes-roles values, or one value with * for several", "split");
      }
      parts.push(single);
    });
    return parts;
  }

  /* request.answer's options: variable name to the option that sets it. */
  function optionsOf(byOption, services) {
    var options = {};
    Object.keys(byOption).forEach(function (option) { options[byOption[option]] = option; });
    services.forEach(function (s) { options[s.identity] = "role"; });
    return options;
  }

  /* request.option_hint and how_to_fill */
  function optionHint(options, name) { return has(options, name) ? "--" + options[name] : "--var " + name + "=..."; }
  function howToFill(result, name) { return optionHint(result.options, name); }

  // --- stack/: the model, its build and the writers ------------------------------------------

  var DEPLOYMENT = {
    "account-id": ["AWS::AccountId", "data.aws_caller_identity.current.account_id", 12],
    partition: ["AWS::Partition", "data.aws_partition.current.partition", 10],
    region: ["AWS::Region", "data.aws_region.current.name", 20],
  };
  var POLICY_KINDS = ["managed", "inline"];
  var DESCRIPTION_LIMIT = 1000;

  // IAM's rules for the names it keeps: the twin of iam/names.py.
  var IAM_NAME = /^[A-Za-z0-9+=,.@_-]*$/;
  var IAM_PATH = /^\/(?:[\x21-\x7e]+\/)?$/;
  var IAM_PATH_LIMIT = 512;

  function nameProblem(what, limit, name) {
    if (!name) return "an empty " + what + ": IAM's are 1 to " + limit + " characters";
    if (!IAM_NAME.test(name)) return "IAM's " + what + "s are ASCII letters, digits and +=,.@_- only";
    if (name.length > limit) return "a " + what + " of " + name.length + " characters: IAM's are 1 to " + limit;
    return null;
  }

  function pathProblem(path) {
    if (!IAM_PATH.test(path)) return "IAM's paths are / or printable ASCII between slashes, without spaces";
    if (path.length > IAM_PATH_LIMIT) return "a path of " + path.length + " characters: IAM's are at most " + IAM_PATH_LIMIT;
    return null;
  }

  function splitPath(pathAndName) {
    var slash = pathAndName.lastIndexOf("/");
    var path = slash >= 0 ? pathAndName.slice(0, slash) : "";
    return [path ? "/" + path + "/" : "/", pathAndName.slice(slash + 1)];
  }

  function roleProblem(pathAndName) {
    var parts = splitPath(pathAndName);
    return nameProblem("role name", 64, parts[1]) || pathProblem(parts[0]);
  }

  function sameName(names) {
    var seen = {};
    for (var i = 0; i < names.length; i++) {
      var key = names[i].toLowerCase();  // the names are ASCII by then: as Python's casefold
      if (has(seen, key)) return [seen[key], names[i]];
      seen[key] = names[i];
    }
    return null;
  }

  function stackRole(pathAndName, trust) {
    var parts = splitPath(pathAndName);
    return { name: parts[1], path: parts[0], trust: trust };
  }

  function stackPolicyNames(serviceName, count) {
    var out = [];
    for (var i = 1; i <= count; i++) out.push(serviceName + "-policy" + (count > 1 ? "-" + i : ""));
    return out;
  }

  /* Every name the stack writes, held to IAM's rules before anything is written (stack.py's _iam_names). */
  function iamNames(made, roleName, users) {
    [["role-name", roleName]].concat(users.map(function (u) { return ["assumes-roles", u]; })).forEach(function (pair) {
      var problem = roleProblem(pair[1]);
      if (problem) throw new RequestError("--" + pair[0] + " " + shown(pair[1]) + ": " + problem, pair[0]);
    });
    var twice = sameName([made.service.name].concat(made.users.map(function (u) { return u.name; })));
    if (twice) {
      var alike = twice[0] === twice[1] ? "" : " (as " + shown(twice[1]) + ": IAM takes names without regard to case)";
      var what = twice[0] === made.service.name ? "the service's own role" : "a role twice";
      throw new RequestError("--assumes-roles names " + what + ", " + shown(twice[0]) + alike, "assumes-roles");
    }
    var named = made.policyNames.map(function (n) { return ["policy name", 128, n]; });
    if (made.instanceProfile) named.push(["instance profile name", 128, made.service.name]);
    named.forEach(function (rule) {
      var problem = nameProblem(rule[0], rule[1], rule[2]);
      if (problem) throw new RequestError("--role-name: the stack's " + rule[0] + " " + shown(rule[2]) + ": " + problem, "role-name");
    });
  }

  function optionsText(request, result, types, roleName, trust) {
    var r = request.request;
    var pairs = [["types", types.join(",")]];
    if ((r.services || []).length) pairs.push(["service", result.services.map(function (s) { return s.id; }).join(",")]);
    pairs.push(["role-name", roleName], ["trust", trust]);
    var trustValues = request.trust_values || {};
    Object.keys(trustValues).sort().forEach(function (o) { pairs.push([o, trustValues[o]]); });
    [["account", r.account], ["partition", r.partition], ["region", r.region]].forEach(function (o) {
      if (o[1] !== null && o[1] !== undefined) pairs.push(o);
    });
    if (result.assumesRoles.length) pairs.push(["assumes-roles", result.assumesRoles.join(",")]);
    if (request.external_id !== null && request.external_id !== undefined) pairs.push(["external-id", request.external_id]);
    var variables = {};
    (r.variables || []).forEach(function (pair) { variables[pair[0]] = pair[1]; });
    Object.keys(variables).sort().forEach(function (k) { pairs.push(["var", k + "=" + variables[k]]); });
    if (r.optional) pairs.push(["optional", ""]);
    var without = unique((r.without || []).map(strip).filter(function (c) { return c; }));
    if (without.length) pairs.push(["without", without.join(",")]);
    var scopes = r.scopes || {};
    Object.keys(scopes).sort().forEach(function (k) {
      unique(scopes[k]).forEach(function (v) { pairs.push(["scope", k + "=" + v]); });
    });
    pairs.push(["policy", request.policy === null || request.policy === undefined ? "managed" : request.policy]);
    return pairs.map(function (p) { return p[1] ? "--" + p[0] + " " + p[1] : "--" + p[0]; }).join(" ");
  }

  function fillKeys(statement, values) {
    if (!has(statement, "Condition")) return statement;
    var conditions = {};
    Object.keys(statement.Condition).forEach(function (op) {
      conditions[op] = {};
      Object.keys(statement.Condition[op]).forEach(function (k) { conditions[op][fill(k, values)[0]] = statement.Condition[op][k]; });
    });
    return Object.assign({}, statement, { Condition: conditions });
  }

  function filledTrust(statements, values, deployed, what, options) {
    var doc = documentOf(statements.map(function (st) { return fillKeys(fillStatement(st, values), values); }));
    var left = unique(placeholders(JSON.stringify(doc))).filter(function (n) { return !has(deployed, n); });
    if (left.length) {
      var how = left.map(function (n) { return optionHint(options, n); }).join(", ");
      throw new RequestError(what + " needs " + how + ": a stack must not deploy a placeholder",
        has(options, left[0]) ? options[left[0]] : null);
    }
    return doc;
  }

  function worstCase(doc, deployed) {
    var longest = {};
    Object.keys(deployed).forEach(function (n) { longest[n] = "x".repeat(DEPLOYMENT[deployed[n]][2]); });
    return documentOf(doc.Statement.map(function (st) { return fillStatement(st, longest); }));
  }

  function splitStack(doc, deployed, kind) {
    var sized = splitDocument(worstCase(doc, deployed));
    var parts = [];
    var start = 0;
    sized.forEach(function (part) {
      parts.push(Object.assign({}, doc, { Statement: doc.Statement.slice(start, start + part.Statement.length) }));
      start += part.Statement.length;
    });
    var total = sized.reduce(function (sum, p) { return sum + compactSize(p); }, 0);
    if (kind === "inline" && total > INLINE_ROLE_LIMIT) {
      throw new RequestError("--policy inline: the policy is " + total + " characters, over IAM's " + INLINE_ROLE_LIMIT +
        " for a role's inline policies: use --policy managed", "policy");
    }
    return parts;
  }

  function databaseUserTrust(deploy, values, externalId, deployed, options) {
    var template = deploy[externalId ? "database_user_trust_external_id" : "database_user_trust"];
    return filledTrust(template, values, deployed || {}, "a database-user role", options || {});
  }

  /* stackRequest: {request (as answer's), role_name, trust, trust_values: {option: value},
     external_id, policy}; absent values are null or missing. Throws RequestError. */
  function stack(compiled, stackRequest) {
    var deploy = compiled.deploy;
    if (!deploy) throw new RequestError("this catalog has no deploy section in its shared file: it cannot write a stack");
    var policy = stackRequest.policy === null || stackRequest.policy === undefined ? "managed" : stackRequest.policy;
    if (POLICY_KINDS.indexOf(policy) < 0) {
      throw new RequestError("--policy " + shown(policy) + ": expected one of " + POLICY_KINDS.join(", "), "policy");
    }
    var choices = {};
    deploy.trust.forEach(function (t) { choices[t.id] = t; });
    var trustId = stackRequest.trust === null || stackRequest.trust === undefined ? deploy.trust[0].id : strip(stackRequest.trust);
    if (!has(choices, trustId)) {
      throw new RequestError("--trust " + shown(trustId) + ": expected one of " + Object.keys(choices).join(", "), "trust");
    }
    var r = stackRequest.request;
    var services = resolveServices(compiled, r.services || []);
    var roleName = stackRequest.role_name === null || stackRequest.role_name === undefined ?
      compiled.variables[services[0].identity].default : stackRequest.role_name;
    services.forEach(function (service) { check(compiled.variables[service.identity], roleName, "role-name", "--role-name"); });
    var printRequest = Object.assign({}, r, { role: roleName, user: null });
    var given = { account: r.account, partition: r.partition, region: r.region };
    var declared = Object.assign({}, compiled.variables, deploy.variables);
    var variablesGiven = {};
    (r.variables || []).forEach(function (pair) { variablesGiven[pair[0]] = pair[1]; });
    var optionOf = function (name) { return has(declared, name) && has(declared[name], "option") ? declared[name].option : null; };
    var known = {};
    Object.keys(deploy.from_deployment).forEach(function (name) {
      var option = optionOf(name);
      if (option !== null && has(given, option) && given[option] !== null && given[option] !== undefined) {
        known[deploy.from_deployment[name]] = given[option];
      }
    });
    var deployed = {};
    Object.keys(deploy.from_deployment).forEach(function (name) {
      var fact = deploy.from_deployment[name];
      if (!has(known, fact) && !has(variablesGiven, name)) deployed[name] = fact;
    });
    var result = answer(compiled, printRequest, Object.keys(deployed));
    var left = result.unfilled.filter(function (n) { return !has(deployed, n); });
    if (left.length) {
      throw new RequestError("the policy needs " + left.map(function (n) { return howToFill(result, n); }).join(", ") +
        ": a stack must not deploy a placeholder", has(result.options, left[0]) ? result.options[left[0]] : null);
    }

    // Values every trust policy may use: the request's, the deployment's, the stack's options.
    var values = {};
    Object.keys(deployed).forEach(function (n) { values[n] = "${" + n + "}"; });
    Object.keys(declared).forEach(function (n) {
      if (!has(deployed, n) && declared[n].example === false) values[n] = declared[n].default;
    });
    Object.assign(values, result.values);
    Object.keys(deploy.from_deployment).forEach(function (name) {
      var fact = deploy.from_deployment[name];
      if (has(known, fact) && !has(variablesGiven, name)) values[name] = known[fact];
    });
    var byOption = {};
    Object.keys(deploy.variables).forEach(function (n) { if (has(deploy.variables[n], "option")) byOption[deploy.variables[n].option] = n; });
    var trustValues = stackRequest.trust_values || {};
    Object.keys(trustValues).sort().forEach(function (option) {
      if (!has(byOption, option)) throw new RequestError("--" + option + ": the catalog declares no such trust value", option);
      check(declared[byOption[option]], trustValues[option], option, "--" + option);
      values[byOption[option]] = trustValues[option];
    });
    var external = deploy.external_id_variable;
    var externalId = stackRequest.external_id;
    var withExternal = externalId !== null && externalId !== undefined;
    if (withExternal) {
      check(declared[external], externalId, "external-id", "--external-id");
      values[external] = externalId;
    }
    services.forEach(function (service) { values[service.identity] = roleName; });
    var options = {};
    Object.keys(declared).forEach(function (n) { if (has(declared[n], "option")) options[n] = declared[n].option; });
    options[external] = "external-id";

    var choice = choices[trustId];
    var serviceTrust = filledTrust(choice.statements, values, deployed, "--trust " + trustId, options);
    var users = result.assumesRoles.map(function (userRole) {
      return stackRole(userRole, databaseUserTrust(deploy, values, withExternal, deployed, options));
    });
    users.concat([stackRole(roleName, serviceTrust)]).forEach(function (made) {
      var size = compactSize(worstCase(made.trust, deployed));
      if (size > TRUST_POLICY_LIMIT) {
        throw new RequestError("the trust policy of " + made.name + " is " + size + " characters, over IAM's " + TRUST_POLICY_LIMIT);
      }
    });

    var types = resolveTypes(compiled, printRequest.types).map(function (t) { return t.id; });
    var titles = result.services.map(function (s) { return s.title; }).join(" and ");
    var description = "The IAM role of the Teleport " + titles + ", from iam-catalog (catalog " + compiled.revision + "): " +
      "iam-catalog stack " + optionsText(stackRequest, result, types, roleName, trustId);
    if (Array.from(description).length > DESCRIPTION_LIMIT) {
      description = Array.from(description).slice(0, DESCRIPTION_LIMIT - 3).join("") + "...";
    }
    var service = stackRole(roleName, serviceTrust);
    var policies = splitStack(result.document, deployed, policy);
    var written = {
      description: description,
      service: service,
      policies: policies,
      policyNames: stackPolicyNames(service.name, policies.length),
      policy: policy,
      instanceProfile: Boolean(choice.instance_profile),
      users: users,
      deployed: deployed,
      answer: result,
    };
    iamNames(written, roleName, result.assumesRoles);
    return written;
  }

  function sub(text, pseudo) {
    var parts = text.split("${");
    var out = [parts[0]];
    var substituted = false;
    parts.slice(1).forEach(function (part) {
      var close = part.indexOf("}");
      var name = close >= 0 ? part.slice(0, close) : null;
      if (name !== null && has(pseudo, name)) {
        out.push("${" + pseudo[name] + "}" + part.slice(close + 1));
        substituted = true;
      } else {
        out.push("${!" + part);
      }
    });
    return substituted ? { "Fn::Sub": out.join("") } : text;
  }

  function cloudformationValue(value, pseudo) {
    if (typeof value === "string") return sub(value, pseudo);
    if (Array.isArray(value)) return value.map(function (v) { return cloudformationValue(v, pseudo); });
    if (value && typeof value === "object") {
      var out = {};
      Object.keys(value).forEach(function (key) {
        if (placeholders(key).some(function (n) { return has(pseudo, n); })) {
          throw new RequestError("the key " + shown(key) + " holds a value the deployment fills, which a key cannot");
        }
        out[key] = cloudformationValue(value[key], pseudo);
      });
      return out;
    }
    return value;
  }

  function arnOf(logical) { return { "Fn::GetAtt": [logical, "Arn"] }; }

  function stackCloudformation(result) {
    var pseudo = {};
    Object.keys(result.deployed).forEach(function (n) { pseudo[n] = DEPLOYMENT[result.deployed[n]][0]; });
    var titles = result.answer.services.map(function (s) { return s.title; }).join(" and ");
    var service = result.service;
    var resources = {
      ServiceRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: service.name,
          Path: service.path,
          Description: "The role of the Teleport " + titles + ", from iam-catalog",
          AssumeRolePolicyDocument: cloudformationValue(service.trust, pseudo),
        },
      },
    };
    var managed = result.policy === "managed";
    result.policies.forEach(function (doc, i) {
      var suffix = result.policies.length === 1 ? "" : String(i + 1);
      var properties = {};
      if (managed) properties.Description = "IAM permissions of the Teleport " + titles;
      properties[managed ? "ManagedPolicyName" : "PolicyName"] = result.policyNames[i];
      properties.PolicyDocument = cloudformationValue(doc, pseudo);
      properties.Roles = [{ Ref: "ServiceRole" }];
      resources["ServicePolicy" + suffix] = { Type: managed ? "AWS::IAM::ManagedPolicy" : "AWS::IAM::Policy", Properties: properties };
    });
    var outputs = {
      RoleArn: { Description: "The service's role", Value: arnOf("ServiceRole") },
      RoleName: { Description: "The service's role", Value: { Ref: "ServiceRole" } },
    };
    if (result.instanceProfile) {
      resources.InstanceProfile = {
        Type: "AWS::IAM::InstanceProfile",
        Properties: { InstanceProfileName: service.name, Path: service.path, Roles: [{ Ref: "ServiceRole" }] },
      };
      outputs.InstanceProfileName = { Description: "The EC2 instance profile", Value: { Ref: "InstanceProfile" } };
      outputs.InstanceProfileArn = { Description: "The EC2 instance profile", Value: arnOf("InstanceProfile") };
    }
    result.users.forEach(function (user, i) {
      // IAM checks that a trust policy's principal exists: the service's role comes first.
      resources["DatabaseUserRole" + (i + 1)] = {
        Type: "AWS::IAM::Role",
        DependsOn: "ServiceRole",
        Properties: {
          RoleName: user.name,
          Path: user.path,
          Description: "A database user that the Teleport " + titles + " assumes, from iam-catalog",
          AssumeRolePolicyDocument: cloudformationValue(user.trust, pseudo),
        },
      };
      outputs["DatabaseUserRole" + (i + 1) + "Arn"] = { Description: "Database-user role " + user.name, Value: arnOf("DatabaseUserRole" + (i + 1)) };
    });
    var template = {
      AWSTemplateFormatVersion: "2010-09-09", Description: result.description, Resources: resources, Outputs: outputs,
    };
    if (strings(template).some(function (text) { return DYNAMIC_REFERENCE.test(text); })) {
      throw new RequestError("a value holds '{{resolve:', which CloudFormation would read as a dynamic reference");
    }
    return dumps(template);
  }

  function attributeBlock(header, attributes) { return hclBlock(new Block(header, attributes)).join("\n"); }

  function stackTerraform(result) {
    var named = new Set();
    result.policies.concat([result.service.trust], result.users.map(function (u) { return u.trust; })).forEach(function (doc) {
      placeholders(JSON.stringify(doc)).forEach(function (n) { named.add(n); });
    });
    var facts = unique(Object.keys(result.deployed).filter(function (n) { return named.has(n); })
      .map(function (n) { return result.deployed[n]; }));
    var expressions = {};
    Object.keys(result.deployed).forEach(function (n) { expressions[n] = DEPLOYMENT[result.deployed[n]][1]; });
    var titles = result.answer.services.map(function (s) { return s.title; }).join(" and ");
    var service = result.service;
    var blocks = ["# " + hclString(result.description).slice(1, -1)];
    // The data source each expression reads: data.aws_partition.current.partition reads aws_partition.
    facts.forEach(function (fact) { blocks.push('data "' + DEPLOYMENT[fact][1].split(".")[1] + '" "current" {}'); });
    var names = policyNames(result.policies, result.answer.services);
    result.policies.forEach(function (doc, i) { blocks.push(policyDocumentBlock(names[i], doc, expressions)); });
    blocks.push(policyDocumentBlock("service_trust", service.trust, expressions));
    blocks.push(attributeBlock('resource "aws_iam_role" "service"', [
      ["name", hclString(service.name)],
      ["path", hclString(service.path)],
      ["description", hclString("The role of the Teleport " + titles + ", from iam-catalog")],
      ["assume_role_policy", "data.aws_iam_policy_document.service_trust.json"],
    ]));
    names.forEach(function (name, i) {
      var policyName = hclString(result.policyNames[i]);
      var doc = "data.aws_iam_policy_document." + name + ".json";
      if (result.policy === "managed") {
        blocks.push(attributeBlock("resource " + hclString("aws_iam_policy") + " " + hclString(name), [
          ["name", policyName], ["description", hclString("IAM permissions of the Teleport " + titles)], ["policy", doc],
        ]));
        blocks.push(attributeBlock("resource " + hclString("aws_iam_role_policy_attachment") + " " + hclString(name), [
          ["role", "aws_iam_role.service.name"], ["policy_arn", "aws_iam_policy." + name + ".arn"],
        ]));
      } else {
        blocks.push(attributeBlock("resource " + hclString("aws_iam_role_policy") + " " + hclString(name), [
          ["name", policyName], ["role", "aws_iam_role.service.id"], ["policy", doc],
        ]));
      }
    });
    var outputs = [["role_arn", "aws_iam_role.service.arn"], ["role_name", "aws_iam_role.service.name"]];
    if (result.instanceProfile) {
      blocks.push(attributeBlock('resource "aws_iam_instance_profile" "service"', [
        ["name", hclString(service.name)], ["path", hclString(service.path)], ["role", "aws_iam_role.service.name"],
      ]));
      outputs.push(["instance_profile_name", "aws_iam_instance_profile.service.name"],
        ["instance_profile_arn", "aws_iam_instance_profile.service.arn"]);
    }
    result.users.forEach(function (user, i) {
      var n = i + 1;
      blocks.push(policyDocumentBlock("database_user_trust_" + n, user.trust, expressions));
      blocks.push(attributeBlock('resource "aws_iam_role" "database_user_' + n + '"', [
        ["name", hclString(user.name)],
        ["path", hclString(user.path)],
        ["description", hclString("A database user that the Teleport " + titles + " assumes, from iam-catalog")],
        ["assume_role_policy", "data.aws_iam_policy_document.database_user_trust_" + n + ".json"],
        ["depends_on", "[aws_iam_role.service]"],
      ]));
      outputs.push(["database_user_role_" + n + "_arn", "aws_iam_role.database_user_" + n + ".arn"]);
    });
    outputs.forEach(function (o) { blocks.push(attributeBlock('output "' + o[0] + '"', [["value", o[1]]])); });
    return blocks.join("\n\n") + "\n";
  }

  var STACK_WRITERS = { cloudformation: stackCloudformation, terraform: stackTerraform };

  var FORMATS = { json: asJson, terraform: terraform, cloudformation: cloudformation };

  return {
    unique: unique, fillStatement: fillStatement, has: has, documentOf: documentOf, dumps: dumps,
    covers: covers, tailor: tailor, used: used, mergeStatements: mergeStatements, servicesOf: servicesOf,
    strip: strip, RequestError: RequestError, accepts: accepts, expected: expected, answer: answer,
    shown: shown, strings: strings, formats: FORMATS, splitDocument: splitDocument, stack: stack,
    stackWriters: STACK_WRITERS,
  };
});
