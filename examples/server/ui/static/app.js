// Userdesk back office: progressive enhancements only. Every page works
// without this file; it adds the live fee quote, the impersonation
// hand-off's automatic submit and keyboard shortcuts.
(function () {
  "use strict";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // The impersonation hand-off posts its token to the front office at once.
  var handoff = document.querySelector("form[data-autosubmit]");
  if (handoff) { handoff.submit(); }

  // Live quote on the fee card, debounced.
  var feeForm = document.querySelector("form[data-quote]");
  if (feeForm) {
    var out = document.getElementById("quote");
    var timer = null;
    var seq = 0;
    var update = function () {
      var params = new URLSearchParams();
      ["asker_percent", "asker_fixed", "offeror_percent", "offeror_fixed", "price"].forEach(function (n) {
        params.set(n, feeForm.elements[n].value);
      });
      if (feeForm.elements.use_standard.checked) { params.set("use_standard", "on"); }
      var mine = ++seq;
      fetch(feeForm.getAttribute("data-quote") + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error("status " + r.status); } return r.json(); })
        .then(function (q) { if (mine === seq) { showQuote(out, q); } })
        .catch(function () { if (mine === seq) { out.textContent = "The quote could not be computed just now."; } });
    };
    feeForm.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 200);
    });
  }

  function showQuote(out, q) {
    out.textContent = "";
    if (q.Error) {
      var e = document.createElement("span");
      e.className = "quote-error";
      e.textContent = q.Error;
      out.appendChild(e);
      return;
    }
    var add = function (text, strong, key) {
      if (strong) {
        var s = document.createElement("strong");
        s.textContent = text;
        s.setAttribute("data-q", key);
        out.appendChild(s);
      } else {
        out.appendChild(document.createTextNode(text));
      }
    };
    add("On a sale of " + q.Price + " " + q.Currency + " (" + q.Mode + " fees): the customer pays ");
    add(q.CustomerTotal, true, "customer");
    add(", the vendor receives ");
    add(q.VendorPayout, true, "vendor");
    add(", the platform earns ");
    add(q.PlatformTotal, true, "platform");
    add(" " + q.Currency + ".");
  }

  // Exports: say that the file is being prepared.
  document.querySelectorAll("a[data-export]").forEach(function (a) {
    a.addEventListener("click", function () {
      var p = document.querySelector(".export-progress");
      if (p) {
        p.hidden = false;
        p.textContent = "Preparing the " + a.textContent + " export; the download starts when the first rows are ready.";
      }
      var menu = a.closest("details");
      if (menu) { menu.open = false; }
    });
  });

  // Only one dropdown open at a time; Escape closes it. The others close
  // on the click that opens one (a click, keyboard activation included, is
  // handled in order with the user's input); the toggle event comes later
  // as a task of its own, and a busy browser may run it after the next
  // click, so a late toggle of the menu opened before must not close the
  // one opened since.
  document.addEventListener("click", function (ev) {
    var s = ev.target.closest && ev.target.closest("details.menu > summary");
    if (!s) { return; }
    var d = s.parentElement;
    document.querySelectorAll("details.menu[open]").forEach(function (o) { if (o !== d) { o.open = false; } });
  }, true);
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d.tagName !== "DETAILS" || !d.open || !d.classList.contains("menu")) { return; }
    var first = d.querySelector("select, input, a");
    if (first) { first.focus(); }
  }, true);

  // Column chooser for the users list, remembered in this browser.
  var table = document.getElementById("users");
  var tools = document.querySelector(".list-head .tools");
  if (table && tools) {
    var key = "userdesk.hiddenColumns";
    var hidden = {};
    try { hidden = JSON.parse(localStorage.getItem(key) || "{}") || {}; } catch (e) { hidden = {}; }
    // A saved view's hidden columns come in its URL (hide=A,B).
    var fromURL = new URLSearchParams(location.search).get("hide");
    if (fromURL !== null) {
      hidden = {};
      fromURL.split(",").forEach(function (n) { if (n) { hidden[n] = true; } });
      try { localStorage.setItem(key, JSON.stringify(hidden)); } catch (e) { /* private mode */ }
    }
    var saveView = document.getElementById("view-save");
    if (saveView) {
      saveView.addEventListener("submit", function () { saveView.elements.hide.value = Object.keys(hidden).join(","); });
    }
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var apply = function () {
      heads.forEach(function (th, i) {
        var name = th.textContent.trim();
        Array.prototype.forEach.call(table.rows, function (row) {
          if (row.cells.length === heads.length) { row.cells[i].hidden = !!hidden[name]; }
        });
      });
    };
    var menu = document.createElement("details");
    menu.className = "menu columns";
    var summary = document.createElement("summary");
    summary.textContent = "Columns";
    menu.appendChild(summary);
    var box = document.createElement("fieldset");
    var legend = document.createElement("legend");
    legend.textContent = "Columns to show";
    box.appendChild(legend);
    heads.forEach(function (th, i) {
      var name = th.textContent.trim();
      if (name === "Name" || name === "Actions" || name === "Picture") { return; }
      var label = document.createElement("label");
      var cb = document.createElement("input");
      cb.type = "checkbox";
      cb.checked = !hidden[name];
      cb.setAttribute("data-column", name);
      cb.addEventListener("change", function () {
        if (cb.checked) { delete hidden[name]; } else { hidden[name] = true; }
        try { localStorage.setItem(key, JSON.stringify(hidden)); } catch (e) { /* private mode */ }
        apply();
      });
      label.appendChild(cb);
      label.appendChild(document.createTextNode(" " + name));
      box.appendChild(label);
    });
    menu.appendChild(box);
    tools.insertBefore(menu, tools.firstChild);
    apply();
  }

  // Keyboard shortcuts: "/" search, j/k rows, Enter open, "?" help.
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
  var current = -1;
  function select(i) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, j) { r.classList.toggle("selected", j === current); });
    var link = rows[current].querySelector("a.pen");
    if (link) { link.focus(); }
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    if (ev.key === "Escape") {
      document.querySelectorAll("details.menu[open]").forEach(function (o) { o.open = false; var s = o.querySelector("summary"); if (s) { s.focus(); } });
      return;
    }
    if (typing(ev.target)) { return; }
    var help = document.getElementById("help");
    if (ev.key === "/") {
      var q = document.getElementById("q");
      if (q) { ev.preventDefault(); q.focus(); q.select(); }
    } else if (ev.key === "j") {
      select(current + 1);
    } else if (ev.key === "k") {
      select(current - 1);
    } else if (ev.key === "Enter" && current >= 0 && ev.target === document.body) {
      window.location.href = rows[current].getAttribute("data-href");
    } else if (ev.key === "?" && help && typeof help.showModal === "function") {
      help.showModal();
    }
  });
})();
