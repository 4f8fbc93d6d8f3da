// Tell require.js where the vendored Jupyter widgets bundles live (copied to
// _vendor/widgets-config.js by scripts/vendor_assets.py; loaded between require.js and
// embed-amd.js, see nb_ipywidgets_js in _config.yml).
//
// embed-amd.js defines named AMD modules ("@jupyter-widgets/controls", ...). Each computes
// its webpack public path -- where it fetches its Font Awesome fonts -- from the URL
// require.js gives the module name. Without this mapping that URL is relative to the page
// (e.g. notebooks/@jupyter-widgets/...) and the fonts 404. We map every module name into
// _vendor/html-manager/, found relative to this script, so it works at any page depth and
// from file:// too.
(function () {
  var src = document.currentScript && document.currentScript.src;
  if (!src || typeof require === "undefined") { return; }
  var dir = src.slice(0, src.lastIndexOf("/") + 1) + "html-manager/";
  var names = ["base", "base7", "controls", "controls7", "output", "html-manager"];
  var paths = { "@jupyter-widgets/html-manager/dist": dir.slice(0, -1) };
  names.forEach(function (n) { paths["@jupyter-widgets/" + n] = dir + n; });
  require.config({ paths: paths });
})();

// The widgets bundle typesets labels with the MathJax 2 API, MathJax.Hub.Queue(["Typeset",
// MathJax.Hub, element]); the book ships MathJax 3, which has no Hub, so the page would throw
// "Cannot read properties of undefined (reading 'Queue')". Provide that one call on top of
// MathJax 3. MathJax 3 replaces window.MathJax when it starts (deferred script), so the shim
// is (re)installed once the document is parsed, before the widgets render.
(function () {
  function install() {
    var mj = window.MathJax;
    if (!mj || mj.Hub) { return; }
    mj.Hub = {
      Queue: function (job) {
        var el = Array.isArray(job) ? job[2] : undefined;
        var ready = (window.MathJax.startup && window.MathJax.startup.promise) || Promise.resolve();
        ready.then(function () {
          if (window.MathJax.typesetPromise) {
            return window.MathJax.typesetPromise(el ? [el] : undefined);
          }
        }).catch(function (err) { console.warn("MathJax typeset failed:", err); });
      }
    };
  }
  install();
  document.addEventListener("DOMContentLoaded", install);
})();

// Accessible names for the widgets, which ipywidgets 8 does not give: a slider's handle
// (role="slider") is named by the widget's description label and announces the value its
// readout shows ("40%", not the option's index); a row of toggle buttons is a group named by
// its label; an image frame gets as its alt text the description lutlib.static_widgets saved
// as the image's tooltip. Widgets render after the page loads, so a MutationObserver applies
// this to every widget as it appears; each change is made only when it changes something, so
// the observer settles.
(function () {
  var n = 0;
  function labelId(widget) {
    var label = widget.querySelector(":scope > .widget-label, :scope > label");
    if (!label || !label.textContent.trim()) { return null; }
    if (!label.id) { label.id = "lutbook-widget-label-" + (++n); }
    // ipywidgets writes a missing tooltip as the label's title "null"
    if (label.getAttribute("title") === "null") { label.removeAttribute("title"); }
    return label.id;
  }
  function set(el, name, value) {
    if (value && el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }
  function fix(root) {
    root.querySelectorAll(".widget-slider, .jupyter-widget-slider").forEach(function (w) {
      var handle = w.querySelector('[role="slider"]');
      if (!handle) { return; }
      set(handle, "aria-labelledby", labelId(w));
      var readout = w.querySelector(".widget-readout");
      if (readout) { set(handle, "aria-valuetext", readout.textContent.trim()); }
    });
    root.querySelectorAll(".widget-toggle-buttons, .jupyter-widget-toggle-buttons")
      .forEach(function (w) {
        var group = w.querySelector(".widget-toggle-button")
          && w.querySelector(".widget-toggle-button").parentElement;
        if (!group) { return; }
        set(group, "role", "group");
        set(group, "aria-labelledby", labelId(w));
        group.querySelectorAll("button").forEach(function (b) {
          set(b, "aria-pressed", b.classList.contains("mod-active") ? "true" : "false");
        });
      });
    root.querySelectorAll("img.widget-image[title]:not([alt])").forEach(function (img) {
      img.setAttribute("alt", img.getAttribute("title"));
    });
  }
  function start() {
    fix(document);
    new MutationObserver(function () { fix(document); }).observe(document.body, {
      subtree: true, childList: true, characterData: true,
      attributes: true, attributeFilter: ["aria-valuetext", "class", "title"]
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
