/* The portal's only script. Pages carry no inline JavaScript (the Content-Security-Policy forbids it):
   behaviour is attached here to elements marked with data- attributes, and data comes from
   json_script blocks. Every page works without it; it adds confirmations, progress and charts. */
(function () {
  "use strict";

  function each(selector, fn, root) { Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn); }

  // Confirmation before irreversible actions: <form data-confirm="...">, or on the chosen
  // <input type="radio" name="action" data-confirm="..."> of a decision form
  function confirmations() {
    each("form", function (form) {
      form.addEventListener("submit", function (event) {
        var chosen = form.querySelector("input[name=action]:checked");
        var message = (chosen && chosen.dataset.confirm) || form.dataset.confirm;
        if (message && !window.confirm(message)) { event.preventDefault(); }
      });
    });
  }

  // <select data-autosubmit> submits its form when changed
  function autosubmit() {
    each("select[data-autosubmit]", function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // Formsets: <button class="add-row" data-prefix="items"> copies the last row of the prefix's table
  function addRows() {
    each("button.add-row", function (button) {
      button.addEventListener("click", function () {
        var prefix = button.dataset.prefix;
        var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
        var n = parseInt(total.value, 10);
        var template = document.getElementById(prefix + "-empty-row");
        var row;
        if (template) {  // a <template> of the empty form (the entry form's fieldsets)
          var holder = document.createElement("div");
          holder.innerHTML = template.innerHTML.replace(/__prefix__/g, n);
          row = holder.firstElementChild;
          document.getElementById(prefix + "-rows").appendChild(row);
          methodInputs(row);
        } else {  // a table row: copy the last one and renumber it
          var body = total.parentNode.querySelector("tbody");
          row = body.querySelector("tr:last-child").cloneNode(true);
          each("input, select, textarea", function (el) {
            ["name", "id"].forEach(function (attr) {
              if (el.getAttribute(attr)) { el.setAttribute(attr, el.getAttribute(attr).replace(/-\d+-/, "-" + n + "-")); }
            });
            if (el.type === "checkbox") { el.checked = false; } else { el.value = ""; }
          }, row);
          each(".field-error", function (el) { el.remove(); }, row);
          body.appendChild(row);
        }
        total.value = n + 1;
      });
    });
  }

  // Entry items: show only the inputs of the chosen accounting method
  var METHOD_INPUTS = {
    self_treatment: ["eq", "max_flow", "concentration", "medium"],
    centralised: ["efq", "flow", "permitted_concentration", "medium"],
    plant_upgrade: ["design_flow", "cq", "ch"], shutdown: ["initial_quota"], declared: ["quantity"]
  };
  var ALL_INPUTS = ["eq", "max_flow", "concentration", "efq", "flow", "permitted_concentration", "design_flow", "cq", "ch",
                    "initial_quota", "quantity", "medium"];
  // ... and whether a heavy metal leaves in waste water or gas only for a heavy metal (<form data-heavy-metals>)
  function methodInputs(row) {
    var method = row.querySelector("select[name$='accounting_method']");
    if (!method) { return; }
    var pollutant = row.querySelector("select[name$='pollutant']");
    var form = row.closest("form");
    var heavy = ((form && form.dataset.heavyMetals) || "").split(" ");
    function sync() {
      var shown = METHOD_INPUTS[method.value] || [];
      ALL_INPUTS.forEach(function (name) {
        var box = row.querySelector("[data-field='" + name + "']");
        var show = shown.indexOf(name) >= 0 && (name !== "medium" || (pollutant && heavy.indexOf(pollutant.value) >= 0));
        if (box) { box.style.display = show ? "" : "none"; }
      });
    }
    method.addEventListener("change", sync);
    if (pollutant) { pollutant.addEventListener("change", sync); }
    sync();
  }

  // Documents being generated: poll until ready or failed, then offer the download
  function documentProgress() {
    var list = document.querySelector("ul.documents");
    if (!list || !list.querySelector("li[data-status=pending]")) { return; }
    var tries = 0;
    function poll() {
      tries += 1;
      var pending = list.querySelectorAll("li[data-status=pending]");
      Array.prototype.forEach.call(pending, function (li) {
        fetch("/documents/" + li.dataset.document + "/status/", {credentials: "same-origin"})
          .then(function (r) { return r.json(); })
          .then(function (d) {
            var state = li.querySelector(".doc-state");
            if (d.status === "ready") {
              li.dataset.status = "ready";
              state.textContent = "";
              var a = document.createElement("a");
              a.href = d.download_url;
              a.textContent = list.dataset.downloadLabel;
              state.appendChild(a);
            } else if (d.status === "failed") {
              li.dataset.status = "failed";
              state.textContent = list.dataset.failedLabel;
              state.className = "doc-state warn";
            }
          });
      });
      if (pending.length && tries < 120) { setTimeout(poll, 1500); }
    }
    setTimeout(poll, 1000);
  }

  // Timed e-bidding: the highest price, the (possibly extended) close and one's own rank, refreshed without reloading
  function liveBidding() {
    var box = document.querySelector("[data-live-url]");
    if (!box) { return; }
    function field(name) { return box.querySelector("[data-live=" + name + "]"); }
    function show(name, text) { var el = field(name); if (el) { el.textContent = text; } }
    function money(v) {
      return v === null ? box.dataset.none : Number(v).toLocaleString("zh-CN", {minimumFractionDigits: 2,
                                                                               maximumFractionDigits: 2});
    }
    function refresh() {
      fetch(box.dataset.liveUrl, {credentials: "same-origin", cache: "no-store"})
        .then(function (r) { return r.json(); })
        .then(function (d) {
          show("state", d.open ? box.dataset.open : box.dataset.closed);
          show("highest", money(d.highest));
          if (d.closes_at) {
            var c = new Date(d.closes_at);
            show("closes", c.toLocaleString("zh-CN", {hour12: false}));
          }
          show("bids", d.bids);
          show("bidders", d.bidders);
          if (d.mine) { show("mine", d.mine.rank + " / " + d.bidders + "（" + money(d.mine.price) + "）"); }
          if (d.status === "trading") { setTimeout(refresh, 1000 * (+box.dataset.refresh || 5)); }
        })
        .catch(function () { setTimeout(refresh, 15000); });
    }
    refresh();
  }

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  // The published ledger's charts (Apache ECharts, served from static/vendor)
  function ledgerCharts() {
    var data = json("chart-data");
    if (!data || typeof echarts === "undefined") { return; }
    var labels = data.labels;
    var select = document.getElementById("factor-select");
    var pool = echarts.init(document.getElementById("chart-pool"));
    var flows = echarts.init(document.getElementById("chart-flows"));
    var months = Array.from(new Set(data.monthly.map(function (m) { return m.month; })));
    function draw(i) {
      var f = data.factors[i];
      if (!f) { pool.clear(); flows.clear(); return; }
      pool.setOption({tooltip: {trigger: "axis"}, legend: {data: [labels.available, labels.held]},
        xAxis: {type: "category", data: data.counties, axisLabel: {interval: 0, rotate: 30}}, yAxis: {type: "value", name: f.name},
        series: [{name: labels.available, type: "bar", stack: "q", data: f.available.map(Number)},
                 {name: labels.held, type: "bar", stack: "q", data: f.held.map(Number)}]}, true);
      function series(field) {
        return months.map(function (month) {
          return data.monthly.filter(function (m) { return m.month === month && m.pollutant === f.code; })
            .reduce(function (s, m) { return s + Number(m[field]); }, 0);
        });
      }
      flows.setOption({tooltip: {trigger: "axis"}, legend: {data: [labels.entered, labels.withdrawn]},
        xAxis: {type: "category", data: months}, yAxis: {type: "value"},
        series: [{name: labels.entered, type: "bar", data: series("entered")},
                 {name: labels.withdrawn, type: "bar", data: series("withdrawn")}]}, true);
    }
    draw(0);
    if (select) { select.addEventListener("change", function () { draw(+select.value); }); }
  }

  // Reference price history
  function priceChart() {
    var data = json("price-data");
    var box = document.getElementById("chart-prices");
    if (!data || !box || typeof echarts === "undefined" || !Object.keys(data).length) { return; }
    echarts.init(box).setOption({
      tooltip: {trigger: "axis"}, legend: {data: Object.keys(data)}, xAxis: {type: "time"}, yAxis: {type: "value"},
      series: Object.keys(data).map(function (k) {
        return {name: k, type: "line", step: "end", data: data[k].map(function (p) { return [p[0], Number(p[1])]; })};
      })});
  }

  // The market statistics: each factor's quarterly average price against its reference price
  function marketChart() {
    var data = json("market-data");
    var box = document.getElementById("chart-market");
    if (!data || !box || typeof echarts === "undefined" || !Object.keys(data).length) { return; }
    var labels = json("market-labels") || {};
    var quarters = [];
    Object.keys(data).forEach(function (k) {
      data[k].quarters.forEach(function (q) { if (quarters.indexOf(q) < 0) { quarters.push(q); } });
    });
    quarters.sort();
    var series = [];
    Object.keys(data).forEach(function (k) {
      function at(values) {
        return quarters.map(function (q) {
          var i = data[k].quarters.indexOf(q);
          return i < 0 || values[i] === null ? null : Number(values[i]);
        });
      }
      series.push({name: k + " " + labels.average, type: "bar", barMaxWidth: 48, data: at(data[k].average)});
      series.push({name: k + " " + labels.reference, type: "line", connectNulls: true, lineStyle: {type: "dashed"},
                   showAllSymbol: true, data: at(data[k].reference)});
    });
    echarts.init(box).setOption({tooltip: {trigger: "axis"}, legend: {type: "scroll"},
      grid: {left: 60, right: 20, top: 40, bottom: 30}, xAxis: {type: "category", data: quarters},
      yAxis: {type: "value"}, series: series}, true);
  }

  // On a narrow screen a table's rows are shown as cards (portal.css): each cell carries its column's heading
  function labelCells() {
    each("table.grid", function (table) {
      var heads = table.querySelectorAll("thead th");
      var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
      if (!names.length) { return; }
      each("tbody tr", function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (!cell.hasAttribute("data-label") && names[column] && (cell.colSpan || 1) === 1) {
            cell.setAttribute("data-label", names[column]);
          }
          column += cell.colSpan || 1;
        });
      }, table);
    });
  }

  // The public log, verified in the browser (templates/reserve/log_verify.html): the checkpoint's Ed25519 signature
  // (c2sp.org/signed-note) with the published verifier key, then the transaction's inclusion (RFC 9162 2.1.3.2),
  // hashing with the browser's own Web Crypto. The same algorithms as accounting/merkle.py and tools/verify_log.py.
  function logVerify() {
    var box = document.getElementById("log-verify");
    if (!box || !window.crypto || !crypto.subtle) { return; }
    var api = box.dataset.api, result = box.querySelector("[data-testid=verify-result]");
    var facts = document.getElementById("log-verify-facts");
    var enc = new TextEncoder();
    function fact(name, value) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = name; dd.textContent = value; dd.className = "mono";
      facts.appendChild(dt); facts.appendChild(dd);
    }
    function b64(s) { return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); }); }
    function hex(bytes) { return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join(""); }
    function unhex(s) { return new Uint8Array(s.match(/../g).map(function (h) { return parseInt(h, 16); })); }
    function concat(parts) {
      var n = parts.reduce(function (s, p) { return s + p.length; }, 0), out = new Uint8Array(n), at = 0;
      parts.forEach(function (p) { out.set(p, at); at += p.length; });
      return out;
    }
    function sha256(bytes) { return crypto.subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); }); }
    function node(l, r) { return sha256(concat([new Uint8Array([1]), l, r])); }
    function same(a, b) { return a.length === b.length && a.every(function (x, i) { return x === b[i]; }); }
    function get(path) { return fetch(api + path).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r; }); }
    function fail(message) { result.textContent = box.dataset.bad + "：" + message; result.className = "step-now bad"; }

    async function verifyInclusion(index, size, leafHash, path, root) {
      var fn = index, sn = size - 1, r = leafHash;
      for (var i = 0; i < path.length; i++) {
        if (sn === 0) { return false; }
        if ((fn & 1) || fn === sn) {
          r = await node(path[i], r);
          if (!(fn & 1)) { while (fn && !(fn & 1)) { fn >>= 1; sn >>= 1; } }
        } else { r = await node(r, path[i]); }
        fn >>= 1; sn >>= 1;
      }
      return sn === 0 && same(r, root);
    }

    (async function () {
      try {
        var keyLine = (await (await get("key")).text()).trim();
        var parts = keyLine.split("+"), name = parts[0], raw = b64(parts.slice(2).join("+"));
        fact(box.dataset.lKey, keyLine);
        var note = await (await get("checkpoint")).text();
        var split = note.lastIndexOf("\n\n"), body = note.slice(0, split + 1);
        var sigLine = note.slice(split + 2).split("\n").filter(function (l) { return l.indexOf("\u2014 " + name + " ") === 0; })[0];
        if (!sigLine) { return fail(box.dataset.badsig); }
        var sig = b64(sigLine.split(" ").pop());
        var key = await crypto.subtle.importKey("raw", raw.slice(1), {name: "Ed25519"}, false, ["verify"]);
        if (!(await crypto.subtle.verify({name: "Ed25519"}, key, sig.slice(4), enc.encode(body)))) {
          return fail(box.dataset.badsig);
        }
        var lines = body.split("\n"), size = parseInt(lines[1], 10), root = b64(lines[2]);
        fact(box.dataset.lCheckpoint, size + " · " + hex(root));
        var want = parseInt(box.dataset.sequence, 10), low = 0, high = size - 1, leaf = null;
        while (low <= high && !leaf) {  // the leaves are in ledger order: binary search by the sequence
          var mid = (low + high) >> 1;
          var row = (await (await get("leaves/?start=" + mid + "&end=" + (mid + 1))).json()).leaves[0];
          if (row.transaction === want) { leaf = row; } else if (row.transaction < want) { low = mid + 1; } else { high = mid - 1; }
        }
        if (!leaf) { return fail(box.dataset.missing); }
        var data = b64(leaf.data);
        fact(box.dataset.lLeaf + " " + leaf.index, new TextDecoder().decode(data));
        var leafHash = await sha256(concat([new Uint8Array([0]), data]));
        var proof = await (await get("proof/inclusion/?index=" + leaf.index + "&tree_size=" + size)).json();
        var ok = await verifyInclusion(leaf.index, size, leafHash, proof.path.map(unhex), root);
        if (!ok) { return fail(box.dataset.mismatch); }
        result.textContent = box.dataset.ok; result.className = "step-now ok";
      } catch (e) { fail(String(e)); }
    })();
  }

  document.addEventListener("DOMContentLoaded", function () {
    logVerify();
    labelCells();
    confirmations();
    autosubmit();
    addRows();
    each(".item-row", methodInputs);
    documentProgress();
    liveBidding();
    ledgerCharts();
    priceChart();
    marketChart();
  });
})();
