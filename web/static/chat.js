// Copilot and tutor chat: posts with the session's CSRF token and reads the Server-Sent Events
// answer from the response body. Everything the model or a tool says is inserted as text, never HTML.
(() => {
  "use strict";
  const chat = document.getElementById("chat");
  if (!chat) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const list = document.getElementById("messages");
  const slot = document.getElementById("approval");
  const errorBox = document.getElementById("chat-error");
  const composer = document.getElementById("composer");
  const input = document.getElementById("message");
  const sendButton = composer.querySelector("button");
  const agent = chat.dataset.agent;
  const CITATION = /\[block:([0-9a-fA-F-]{36})\]/g;
  let thread = chat.dataset.thread;
  let live = null;

  function node(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function withCitations(target, text) {
    target.replaceChildren();
    let last = 0;
    for (const match of text.matchAll(CITATION)) {
      target.append(document.createTextNode(text.slice(last, match.index)));
      const link = node("a", "cite", "[source]");
      link.href = "/app/content/" + match[1].toLowerCase();
      target.append(link);
      last = match.index + match[0].length;
    }
    target.append(document.createTextNode(text.slice(last)));
  }

  function bubble(role, text) {
    const item = node("li", "msg " + role);
    item.append(node("span", "who", role === "user" ? "You" : "Assistant"));
    const p = node("p", "text");
    item.append(p);
    list.append(item);
    if (text !== undefined) withCitations(p, text);
    return { item, p, raw: "" };
  }

  const ARG_LINKS = { course_id: "/app/courses/", content_block_id: "/app/content/", block_id: "/app/content/" };
  const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

  function argLink(key, value) {
    return key in ARG_LINKS && typeof value === "string" && UUID.test(value) ? ARG_LINKS[key] + value.toLowerCase() : null;
  }

  function summary(content) {
    const match = /^<tool_output[^>]*>\s*([\s\S]*?)\s*<\/tool_output>$/.exec(content.trim());
    const body = match ? match[1] : content;
    let data;
    try { data = JSON.parse(body); } catch (e) { return [body.slice(0, 300)]; }
    const found = [];
    const walk = (value) => {
      if (found.length >= 5 || value === null || typeof value !== "object") return;
      if (Array.isArray(value)) { value.forEach(walk); return; }
      const label = value.name || value.title;
      if (typeof label === "string") { found.push(label); return; }
      Object.values(value).forEach(walk);
    };
    walk(data);
    if (!found.length && data && typeof data === "object" && !Array.isArray(data)) {
      for (const [k, v] of Object.entries(data)) {
        if (found.length < 5 && ["string", "number"].includes(typeof v)) found.push(k + ": " + v);
      }
    }
    return found;
  }

  function toolCard(className, title, detail) {
    const item = node("li", "tool-card " + className);
    item.append(node("span", "tool-name", title));
    if (className.startsWith("call")) {
      const code = node("code", "args");
      Object.entries(detail).forEach(([key, value], index) => {
        if (index) code.append(", ");
        code.append(key + "=");
        const text = typeof value === "string" ? value : JSON.stringify(value);
        const href = argLink(key, value);
        if (href) {
          const link = node("a", "", text);
          link.href = href;
          code.append(link);
        } else {
          code.append(text);
        }
      });
      item.append(code);
    } else {
      const lines = node("ul", "tool-summary");
      for (const line of summary(detail)) lines.append(node("li", "", line));
      const details = node("details");
      details.append(node("summary", "", "Raw result"), node("pre", "result-text", detail));
      item.append(lines, details);
    }
    list.append(item);
  }

  function setStatus(status) {
    chat.dataset.status = status;
    const busy = status === "streaming" || status === "awaiting_approval";
    input.disabled = busy || composer.getAttribute("aria-disabled") === "true";
    sendButton.disabled = input.disabled;
    if (!busy && !input.disabled) input.focus();
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function approvalCard(pending) {
    const section = node("section", "card approval");
    section.dataset.tool = pending.tool;
    section.setAttribute("aria-labelledby", "approval-h");
    const heading = node("h3", "", "Approval needed: " + pending.tool);
    heading.id = "approval-h";
    section.append(heading, node("p", "", "This is exactly what would be written:"));
    const form = node("form", "approval-form stack");
    for (const [key, value] of Object.entries(pending.args)) {
      const label = node("label", "", key);
      label.htmlFor = "arg-" + key;
      const field = node("input");
      field.id = "arg-" + key;
      field.name = key;
      field.readOnly = true;
      field.dataset.json = typeof value === "string" ? "no" : "yes";
      field.value = typeof value === "string" ? value : JSON.stringify(value);
      form.append(label, field);
    }
    const actions = node("div", "actions");
    const buttons = [["approve", "Approve", "primary"], ["edit-start", "Edit arguments", ""],
      ["edit", "Save edits and approve", ""], ["reject", "Reject", "danger"]];
    for (const [decision, text, className] of buttons) {
      const button = node("button", className, text);
      button.type = "button";
      button.dataset.decision = decision;
      button.hidden = decision === "edit";
      actions.append(button);
    }
    form.append(actions);
    section.append(form);
    slot.replaceChildren(section);
    section.querySelector("button").focus();
  }

  function handle(name, data) {
    if (name === "token") {
      live = live || bubble("assistant");
      live.raw += data.text;
      live.p.textContent = live.raw;
    } else if (name === "message") {
      live = live || bubble("assistant");
      withCitations(live.p, data.content);
      live = null;
    } else if (name === "tool_call") {
      live = null;
      toolCard("call", data.name, data.args);
    } else if (name === "tool_result") {
      toolCard("result " + data.status, data.name + " · " + data.status, data.content);
    } else if (name === "approval_required") {
      approvalCard(data);
    } else if (name === "error") {
      showError(data.message);
    } else if (name === "done") {
      setStatus(data.status);
    }
  }

  async function post(url, body) {
    errorBox.hidden = true;
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream, application/json",
        "X-CSRF-Token": csrf },
    });
    if (!response.ok) {
      let message = response.statusText;
      try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  }

  async function stream(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) name = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        handle(name, JSON.parse(data));
      }
    }
  }

  async function run(step) {
    setStatus("streaming");
    try {
      await stream(await step());
    } catch (error) {
      showError(error.message);
      setStatus("error");
    }
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content) return;
    input.value = "";
    bubble("user", undefined).p.textContent = content;
    run(async () => {
      if (!thread) {
        const created = await fetch("/app/agents/" + agent + "/threads", {
          method: "POST", credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
        });
        if (!created.ok) throw new Error("Could not start a conversation");
        thread = (await created.json()).thread_id;
        chat.dataset.thread = thread;
        history.replaceState(null, "", chat.dataset.threadUrl + thread);
      }
      return post("/app/agents/" + agent + "/threads/" + thread + "/messages", { content });
    });
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  slot.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-decision]");
    if (!button) return;
    const form = button.closest("form");
    const decision = button.dataset.decision;
    if (decision === "edit-start") {
      form.querySelectorAll("input").forEach((field) => { field.readOnly = false; });
      button.hidden = true;
      form.querySelector('[data-decision="edit"]').hidden = false;
      form.querySelector("input").focus();
      return;
    }
    const body = { decision };
    if (decision === "edit") {
      body.args = {};
      try {
        form.querySelectorAll("input").forEach((field) => {
          body.args[field.name] = field.dataset.json === "yes" ? JSON.parse(field.value) : field.value;
        });
      } catch (error) {
        showError("An edited value is not valid: " + error.message);
        return;
      }
    }
    run(async () => {
      const response = await post("/app/agents/" + agent + "/threads/" + thread + "/approvals", body);
      slot.replaceChildren();
      return response;
    });
  });

  if (slot.querySelector(".approval")) setStatus("awaiting_approval");
})();
