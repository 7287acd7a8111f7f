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

  document.addEventListener("DOMContentLoaded", function () {
    labelCells();
    confirmations();
    autosubmit();
    addRows();
    each(".item-row", methodInputs);
    documentProgress();
    ledgerCharts();
    priceChart();
  });
})();
