// The live proctor view: one card per session, updated from the server's `card` events.
(() => {
  "use strict";
  const grid = document.getElementById("live-grid");
  const template = document.getElementById("live-card-template");
  const count = document.getElementById("live-count");
  const empty = document.getElementById("live-empty");

  const badges = (list, items, kind) => {
    list.replaceChildren(...items.map((text) => {
      const li = document.createElement("li");
      li.className = `badge ${kind}`;
      li.textContent = text;
      return li;
    }));
  };

  const cardFor = (id) => {
    let card = document.getElementById(`live-${id}`);
    if (card) return card;
    card = template.content.firstElementChild.cloneNode(true);
    card.id = `live-${id}`;
    card.dataset.session = id;
    card.querySelector(".live-note").action = `/app/proctor/sessions/${id}/notes?from=live`;
    card.querySelector(".live-end").action = `/app/proctor/sessions/${id}/end`;
    grid.prepend(card);
    return card;
  };

  const recount = () => {
    const live = grid.querySelectorAll(".live-card:not(.ended)").length;
    count.textContent = `${live} in progress`;
    empty.hidden = grid.children.length > 0;
  };

  const show = (data) => {
    const card = cardFor(data.session_id);
    card.querySelector(".live-student").textContent = data.student;
    card.querySelector(".live-assessment").textContent = data.assessment;
    card.querySelector(".live-frames").textContent = data.frames_processed;
    card.querySelector(".live-notes").textContent = data.notes;
    if (data.t !== null) {
      card.querySelector(".live-t").textContent = `${data.t.toFixed(1)} s`;
      if (data.live) card.querySelector(".live-frame").src = `/app/proctor/live/${data.session_id}/frame?t=${data.t}`;
    }
    badges(card.querySelector(".live-flags"), data.flags, "flag");
    badges(card.querySelector(".live-browser"), Object.entries(data.browser).map(([k, n]) => `${k} × ${n}`), "browser");
    card.classList.toggle("flagged", data.flags.length > 0);
    if (!data.live) {
      card.classList.add("ended");
      card.querySelectorAll("form").forEach((form) => form.remove());
      const state = card.querySelector(".live-state");
      state.textContent = data.ended_reason ? `Ended for cause: ${data.ended_reason}` : "Finished";
      const link = document.createElement("a");
      link.href = `/app/proctor/sessions/${data.session_id}`;
      link.textContent = " Review";
      state.append(link);
    }
    recount();
  };

  const source = new EventSource("/app/proctor/live/stream");
  source.addEventListener("card", (event) => show(JSON.parse(event.data)));
  document.body.dataset.liveStream = "connecting";
  source.addEventListener("open", () => { document.body.dataset.liveStream = "open"; });
})();
