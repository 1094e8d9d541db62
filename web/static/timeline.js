// Keyboard navigation between timeline events: j / ArrowDown next, k / ArrowUp previous.
(() => {
  "use strict";
  const events = Array.from(document.querySelectorAll("#timeline .event"));
  if (!events.length) return;
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.closest("input, textarea, select, button") || event.altKey || event.ctrlKey || event.metaKey) return;
    const step = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const current = events.indexOf(document.activeElement);
    const next = current < 0 ? (step > 0 ? 0 : events.length - 1)
      : Math.min(events.length - 1, Math.max(0, current + step));
    events.forEach((item, i) => item.classList.toggle("current", i === next));
    events[next].focus();
    events[next].scrollIntoView({ block: "nearest" });
  });
})();
