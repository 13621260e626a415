// pia serve: "/" focuses the search box, except while typing in a field.
document.addEventListener("keydown", function (e) {
  if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
  var t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  var q = document.getElementById("q");
  if (!q) return;
  e.preventDefault();
  q.focus();
  q.select();
});
// Compare: narrow the item list as the user types (the GET form works without it).
document.addEventListener("input", function (e) {
  if (!e.target || e.target.id !== "item-filter") return;
  var needle = e.target.value.trim().toLowerCase();
  document.querySelectorAll("#items tbody tr").forEach(function (tr) {
    tr.hidden = needle !== "" && tr.textContent.toLowerCase().indexOf(needle) < 0;
  });
});
