// The week's time grid opens at the start of the working day (data-open-at), just below
// the day headers and the band of day-long events, which stay in view; the hours before
// it are a scroll up.
document.addEventListener("DOMContentLoaded", () => {
  const grid = document.querySelector("[data-role=week-grid]");
  const hour = grid?.querySelector(`.cal-tg-gutter [data-hour="${grid.dataset.openAt}"]`);
  // Scrolled by as much as the hour lies down its column (offsetTop: within the hours,
  // which are positioned), it shows right under what stays in view; a little less, so
  // that its label, drawn across the hour's line, shows whole.
  if (hour) grid.scrollTop = Math.max(0, hour.offsetTop - 12);
});
