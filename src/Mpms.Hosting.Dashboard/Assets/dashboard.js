// The Mpms dashboard: polls api/pools and redraws. Everything from the server goes into the page as text (never as
// markup), so a job id or an exception message can never run as script.
"use strict";

(() => {
  const pollMs = Number(document.body.dataset.pollMs) || 2000;
  const poolsEl = document.getElementById("pools");
  const statusEl = document.getElementById("status");
  const SVG = "http://www.w3.org/2000/svg";

  // Failures whose stack trace the reader opened stay open across refreshes.
  const openFailures = new Set();

  document.getElementById("poll").textContent = formatDuration(pollMs / 1000);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  }

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
    if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
    const m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
    if (m < 60) return `${m}m ${String(s).padStart(2, "0")}s`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
  }

  function formatBytes(bytes) {
    if (bytes === null || bytes === undefined) return "–";
    const units = ["B", "KiB", "MiB", "GiB"];
    let value = bytes, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
  }

  function formatTime(iso) {
    return new Date(iso).toLocaleTimeString();
  }

  function since(iso, takenAt) {
    return (new Date(takenAt) - new Date(iso)) / 1000;
  }

  function tile(label, value, hint, bad) {
    return el("div", { class: "tile" },
      el("div", { class: "label", text: label }),
      el("div", { class: bad ? "value bad" : "value", text: value }),
      hint ? el("div", { class: "hint", text: hint }) : null);
  }

  function tiles(pool) {
    const s = pool.stats;
    const failedTotal = s.failed + s.timedOut + s.workerLost;
    const recent = pool.throughput.slice(-Math.round(300 / Math.max(1, pool.sampleInterval)));
    const finished = recent.reduce((sum, p) => sum + p.finished, 0);
    const failed = recent.reduce((sum, p) => sum + p.failed, 0);
    const last = pool.throughput[pool.throughput.length - 1];
    const rate = last ? last.finished / pool.sampleInterval : 0;
    const failureRate = finished > 0 ? (100 * failed / finished) : 0;
    return el("div", { class: "tiles" },
      tile("Queued", `${s.queued}`, `of ${s.queueCapacity}` + (s.heldAhead ? ` · ${s.heldAhead} held ahead` : "")),
      tile("Running", `${s.running}`, `${pool.processes.length} × ${pool.threadsPerProcess} threads`),
      tile("Throughput", `${rate.toFixed(rate < 10 ? 1 : 0)}/s`, `last ${formatDuration(pool.sampleInterval)}`),
      tile("Failure rate", `${failureRate.toFixed(1)}%`, "last 5 min", failureRate > 0),
      tile("Succeeded", `${s.succeeded}`, `${s.accepted} accepted`),
      tile("Failed", `${failedTotal}`, `${s.timedOut} timed out · ${s.workerLost} lost`, failedTotal > 0),
      tile("Processes", `${s.processesReady}/${s.processesConfigured}`, "ready"),
      tile("Restarts", `${s.restarts}`, `${s.restartsInWindow} recently`, s.restartsInWindow > 0));
  }

  // Throughput (jobs/s, line), failures (per interval, bars) and queue depth (dashed, own scale) over 10 minutes.
  function chart(pool) {
    const width = 720, height = 170, left = 40, right = 8, top = 8, bottom = 22;
    const plotW = width - left - right, plotH = height - top - bottom;
    const step = pool.sampleInterval;
    const points = pool.throughput;
    const end = new Date(pool.takenAt).getTime();
    const windowSeconds = 600;
    const x = t => left + plotW * (1 - (end - new Date(t).getTime()) / 1000 / windowSeconds);
    const rates = points.map(p => p.finished / step);
    const fails = points.map(p => p.failed / step);
    const maxRate = Math.max(1, ...rates, ...fails);
    const maxQueue = Math.max(1, ...points.map(p => p.queued));
    const y = v => top + plotH * (1 - v / maxRate);
    const yq = v => top + plotH * (1 - v / maxQueue);

    const root = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": "Throughput over the last 10 minutes" });
    for (let i = 0; i <= 4; i++) {
      const gy = top + plotH * i / 4;
      root.append(svg("line", { class: "grid", x1: left, x2: width - right, y1: gy, y2: gy }));
      const label = svg("text", { class: "axis", x: left - 6, y: gy + 3, "text-anchor": "end" });
      label.textContent = (maxRate * (1 - i / 4)).toFixed(maxRate < 10 ? 1 : 0);
      root.append(label);
    }
    for (let minute = 10; minute >= 0; minute -= 2) {
      const anchor = minute === 10 ? "start" : minute === 0 ? "end" : "middle";
      const label = svg("text", { class: "axis", x: left + plotW * (1 - minute / 10), y: height - 6, "text-anchor": anchor });
      label.textContent = minute === 0 ? "now" : `-${minute}m`;
      root.append(label);
    }

    const barW = Math.max(1, plotW * step / windowSeconds - 1);
    points.forEach((p, i) => {
      if (fails[i] > 0) root.append(svg("rect", { class: "fail", x: x(p.at) - barW, y: y(fails[i]), width: barW, height: top + plotH - y(fails[i]) }));
    });
    if (points.length > 0) {
      const line = points.map((p, i) => `${x(p.at).toFixed(1)},${y(rates[i]).toFixed(1)}`).join(" ");
      const first = x(points[0].at).toFixed(1), last = x(points[points.length - 1].at).toFixed(1);
      root.append(svg("polygon", { class: "rate-area", points: `${first},${top + plotH} ${line} ${last},${top + plotH}` }));
      root.append(svg("polyline", { class: "rate", points: line }));
      root.append(svg("polyline", { class: "queue", points: points.map(p => `${x(p.at).toFixed(1)},${yq(p.queued).toFixed(1)}`).join(" ") }));
    }

    return el("div", null, root, el("div", { class: "legend" },
      el("span", { class: "l-rate", text: "finished / s" }),
      el("span", { class: "l-fail", text: "failed / s" }),
      el("span", { class: "l-queue", text: `queued (max ${maxQueue})` })));
  }

  function threads(process, takenAt) {
    if (process.threads.length === 0) return el("span", { class: "none", text: "not connected yet" });
    return el("div", { class: "threads" }, ...process.threads.map(t => el("div", { class: "thread", "data-thread": t.name },
      `t${t.number} `,
      t.jobId
        ? el("span", null, el("span", { class: "job", text: t.jobId }), el("span", { class: "since", text: ` · ${formatDuration(since(t.runningSince, takenAt))}` }))
        : el("span", { class: "idle", text: "idle" }))));
  }

  function processTable(pool) {
    if (pool.processes.length === 0) return el("p", { class: "none", text: "No process is running." });
    return el("table", { class: "processes" },
      el("thead", null, el("tr", null,
        el("th", { text: "Process" }), el("th", { class: "num", text: "PID" }), el("th", { text: "State" }),
        el("th", { class: "num", text: "Uptime" }), el("th", { class: "num", text: "Memory" }),
        el("th", { class: "num", text: "Jobs done" }), el("th", { class: "num", text: "Held" }), el("th", { text: "Threads" }))),
      el("tbody", null, ...pool.processes.map(p => el("tr", { class: "process", "data-pid": p.processId },
        el("td", { class: "mono", text: p.name }),
        el("td", { class: "num mono pid", text: p.processId }),
        el("td", null, el("span", { class: `badge ${p.state}`, text: p.state }),
          p.isWarmSpare ? el("span", { class: "badge spare", text: "warm spare" }) : null),
        el("td", { class: "num", text: formatDuration(p.uptime) }),
        el("td", { class: "num", text: formatBytes(p.memoryBytes) }),
        el("td", { class: "num", text: p.jobsDone }),
        el("td", { class: "num", text: p.jobsHeld }),
        el("td", null, threads(p, pool.takenAt))))));
  }

  function exitTable(pool) {
    if (pool.recentExits.length === 0) return el("p", { class: "none", text: "No process has exited." });
    return el("table", { class: "exits" },
      el("thead", null, el("tr", null,
        el("th", { text: "When" }), el("th", { text: "Process" }), el("th", { class: "num", text: "PID" }),
        el("th", { text: "Why" }), el("th", { class: "num", text: "Had run" }))),
      el("tbody", null, ...pool.recentExits.map(e => el("tr", { class: "exit", "data-pid": e.processId, "data-reason": e.reason },
        el("td", { text: formatTime(e.exitedAt) }),
        el("td", { class: "mono", text: e.name }),
        el("td", { class: "num mono", text: e.processId }),
        el("td", { text: e.description + (e.wasStartFailure ? " · failed to start" : "") }),
        el("td", { class: "num", text: formatDuration(e.uptime) })))));
  }

  function failureList(pool) {
    if (pool.recentFailures.length === 0) return el("p", { class: "none", text: "No failure yet." });
    return el("div", { class: "failures" }, ...pool.recentFailures.map(f => {
      const key = `${pool.poolName}/${f.jobId}/${f.attempt}`;
      const details = el("details", { class: "failure", "data-job": f.jobId },
        el("summary", null,
          el("span", { class: "type", text: f.exceptionType }),
          el("span", { class: "message", text: f.message }),
          el("span", { class: "meta", text: `${f.status} · job ${f.jobId} · attempt ${f.attempt}` +
            (f.processId ? ` · pid ${f.processId}` : "") + (f.threadName ? ` · ${f.threadName}` : "") + ` · ${formatTime(f.failedAt)}` })),
        el("pre", { class: "stack", text: f.stackTrace || "(no stack trace)" }));
      details.open = openFailures.has(key);
      details.addEventListener("toggle", () => details.open ? openFailures.add(key) : openFailures.delete(key));
      return details;
    }));
  }

  function poolSection(pool) {
    return el("section", { class: "pool", "data-pool": pool.poolName },
      el("div", { class: "pool-head" },
        el("h2", { text: pool.poolName }),
        el("span", { class: `badge ${pool.stats.health}`, "data-health": pool.stats.health, text: pool.stats.health }),
        el("span", { class: "state", text: pool.stats.state })),
      tiles(pool),
      el("h3", { text: "Last 10 minutes" }), chart(pool),
      el("h3", { text: "Processes" }), processTable(pool),
      el("h3", { text: "Recent exits" }), exitTable(pool),
      el("h3", { text: "Latest failures" }), failureList(pool));
  }

  function render(data) {
    const sections = data.pools.map(poolSection);
    if (sections.length === 0) sections.push(el("p", { class: "empty", text: "No Mpms pool is registered in this application." }));
    poolsEl.replaceChildren(...sections);
    poolsEl.setAttribute("aria-busy", "false");
    statusEl.className = "status live";
    statusEl.textContent = `updated ${formatTime(data.takenAt)}`;
  }

  async function poll() {
    try {
      const response = await fetch("api/pools", { cache: "no-store", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      render(await response.json());
    } catch (error) {
      statusEl.className = "status error";
      statusEl.textContent = `cannot reach the application (${error.message}); retrying`;
    } finally {
      setTimeout(poll, pollMs);
    }
  }

  poll();
})();
