// The file pickers' chosen names, beside their Indonesian button (web/templates/_macros.html file_picker).
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.classList.contains("file-input")) return;
  const shown = document.getElementById(input.id + "-nama");
  if (!shown) return;
  const names = Array.from(input.files || [], (file) => file.name);
  shown.textContent = names.length ? names.join(", ") : shown.dataset.kosong;
});
