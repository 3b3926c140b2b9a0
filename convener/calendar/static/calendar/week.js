// The week's time grid opens at the start of the working day (data-open-at), just below
// the day headers that stay in view; the hours before it are a scroll up.
document.addEventListener("DOMContentLoaded", () => {
  const grid = document.querySelector("[data-role=week-grid]");
  if (!grid) return;
  const hour = grid.querySelector(`.cal-tg-gutter [data-hour="${grid.dataset.openAt}"]`);
  const head = grid.querySelector(".cal-tg-head");
  if (!hour || !head) return;
  const below = hour.getBoundingClientRect().top - grid.getBoundingClientRect().top;
  grid.scrollTop += below - head.offsetHeight;
});
