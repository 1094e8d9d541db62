// Proctored exam page: after consent, camera frames as JPEG at the session's rate and browser monitor
// events go to the proctoring service; the student sees what is being sent.
(() => {
  "use strict";
  const panel = document.getElementById("proctoring");
  if (!panel) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const video = document.getElementById("preview");
  const framesSent = document.getElementById("frames-sent");
  const eventsSent = document.getElementById("events-sent");
  const eventLog = document.getElementById("event-log");
  const errorBox = document.getElementById("proctoring-error");
  const answers = document.getElementById("answers");
  const canvas = document.createElement("canvas");
  let session = null;
  let origin = 0;
  let timer = null;
  let inFlight = Promise.resolve();
  let sending = false;
  let frames = 0;
  let events = 0;
  const open = {};

  const now = () => Math.round((performance.now() - origin)) / 1000;

  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  async function post(url, body, type) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin", body,
      headers: { "Content-Type": type, "Accept": "application/json", "X-CSRF-Token": csrf },
    });
    if (!response.ok) {
      let message = response.statusText;
      try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    return response.json();
  }

  function report(type, start, end) {
    if (!session) return;
    const item = { type, start_s: start };
    if (end !== undefined) item.end_s = end;
    const entry = document.createElement("li");
    entry.textContent = type + " at " + start.toFixed(1) + " s" + (end !== undefined ? "–" + end.toFixed(1) + " s" : "");
    eventLog.append(entry);
    post("/app/proctoring/" + session + "/events", JSON.stringify({ events: [item] }), "application/json")
      .then(() => { events += 1; eventsSent.textContent = String(events); panel.dataset.events = String(events); })
      .catch((error) => fail("An event could not be sent: " + error.message));
  }

  function begin(type) { open[type] = now(); }
  function end(type) {
    if (open[type] === undefined) return;
    const start = open[type];
    delete open[type];
    report(type, start, Math.max(start, now()));
  }

  function capture() {
    if (sending || !video.videoWidth) return;
    sending = true;
    const t = now();
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    inFlight = new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85))
      .then((blob) => post("/app/proctoring/" + session + "/frames?t=" + t, blob, "image/jpeg"))
      .then((result) => {
        frames = result.frames_processed;
        framesSent.textContent = String(frames);
        panel.dataset.frames = String(frames);
      })
      .catch((error) => fail("A camera frame could not be sent: " + error.message))
      .finally(() => { sending = false; });
  }

  function watchBrowser() {
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") begin("tab_hidden"); else end("tab_hidden");
    });
    window.addEventListener("blur", () => begin("window_blur"));
    window.addEventListener("focus", () => end("window_blur"));
    document.addEventListener("copy", () => report("copy", now()));
    document.addEventListener("paste", () => report("paste", now()));
    let wasFullscreen = false;
    document.addEventListener("fullscreenchange", () => {
      if (document.fullscreenElement) wasFullscreen = true;
      else if (wasFullscreen) { wasFullscreen = false; report("fullscreen_exit", now()); }
    });
    const screens = () => { if (window.screen.isExtended) report("multiple_displays", now()); };
    if ("isExtended" in window.screen) {
      screens();
      if (window.screen.addEventListener) window.screen.addEventListener("change", screens);
    }
  }

  document.getElementById("consent-button").addEventListener("click", async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
      video.srcObject = stream;
      const started = await post("/app/attempts/" + panel.dataset.attempt + "/proctoring", JSON.stringify({ consent: true }), "application/json");
      session = started.session_id;
      panel.dataset.session = session;
      origin = performance.now() - (started.resume_from_s + 0.5) * 1000;
      document.getElementById("consent").hidden = true;
      document.getElementById("recording").hidden = false;
      panel.dataset.state = "recording";
      timer = setInterval(capture, 1000 / started.sample_fps);
      watchBrowser();
    } catch (error) {
      fail("The camera could not be started: " + error.message);
    }
  });

  document.getElementById("fullscreen-button").addEventListener("click", () => {
    document.documentElement.requestFullscreen().catch((error) => fail(error.message));
  });

  answers.addEventListener("submit", async (event) => {
    if (answers.dataset.sent) return;
    event.preventDefault();
    if (!session) {
      fail("Turn on your camera before submitting: this exam is proctored.");
      return;
    }
    clearInterval(timer);
    await inFlight;
    answers.dataset.sent = "true";
    answers.submit();
  });
})();
