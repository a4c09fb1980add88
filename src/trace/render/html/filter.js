// The report page's filter box, inlined into the page by src/trace/render/html.ts: plain browser
// JavaScript (no modules, no build step) that only hides rows already in the page.
(function () {
  var rows = [].slice.call(document.querySelectorAll('tbody tr:not(.empty)')).map(function (row) {
    return { row: row, text: row.textContent.toLowerCase() + ' ' + (row.getAttribute('data-status') || '') };
  });
  var placeholders = [].slice.call(document.querySelectorAll('tbody tr.empty'));
  var input = document.getElementById('filter');
  var shown = document.getElementById('shown');
  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var visible = 0;
    rows.forEach(function (entry) {
      var match = words.every(function (w) {
        return entry.text.indexOf(w) !== -1;
      });
      entry.row.hidden = !match;
      if (match) visible += 1;
    });
    placeholders.forEach(function (row) {
      row.hidden = row.parentNode.querySelectorAll('tr:not(.empty):not([hidden])').length > 0;
    });
    // A filter opens the collapsed lists it matched in, so the matches are visible.
    if (words.length)
      [].slice.call(document.querySelectorAll('details')).forEach(function (d) {
        d.open = true;
      });
    shown.textContent = words.length ? visible + ' of ' + rows.length + ' rows match' : '';
  }
  input.addEventListener('input', apply);
  apply();
})();
