/* global document, window, echarts */
// The dashboard's browser side: reads the embedded JSON, applies the filters, and draws every panel from the
// filtered rows, so date range, tool and team change everything on the page. Day panels read day x tool x team rows;
// the person panels read month x person rows, so the date range applies to them by whole calendar months.
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("report-data").textContent);
  const TOOL_LABEL = { cursor: "Cursor", claude_code: "Claude Code", claude_api: "Claude API" };
  const TOOL_COLOR = { cursor: "#4f46e5", claude_code: "#d97706", claude_api: "#0d9488" };
  const PALETTE = ["#4f46e5", "#d97706", "#0d9488", "#db2777", "#2563eb", "#65a30d", "#9333ea", "#ea580c", "#475569"];
  const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  const usd0 = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
  const usdCompact = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 1 });
  const num = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const pct = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });
  const usdSmall = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 4, maximumFractionDigits: 4 });
  const money = (v) => (Math.abs(v) >= 1000 ? usd0.format(v) : usd.format(v));
  // Per-line costs are fractions of a cent.
  const unitMoney = (v) => (Math.abs(v) < 1 ? usdSmall.format(v) : usd.format(v));
  const toolName = (t) => TOOL_LABEL[t] || t;
  const personName = (p) => (p === "unattributed" ? "Unattributed" : DATA.people[p] || p);

  // Decoded rows: objects with the coded columns' strings put back.
  function decode(table) {
    const cols = table.columns.map((c, i) => [c, table.strings[c], table.values[i]]);
    const out = new Array(table.rows);
    for (let r = 0; r < table.rows; r++) {
      const o = {};
      for (const [c, strings, values] of cols) o[c] = strings && values[r] !== null ? strings[values[r]] : values[r];
      out[r] = o;
    }
    return out;
  }
  const days = decode(DATA.days);
  const models = decode(DATA.models);
  const seats = decode(DATA.seats);
  const personMonths = decode(DATA.personMonths);
  const finance = decode(DATA.finance);
  const productivity = decode(DATA.productivity);
  const productivityGroups = decode(DATA.productivityGroups);
  const executive = decode(DATA.executive);
  /** How many entries a top-N list shows; the productivity table's comes with the data, which keeps that many. */
  const TOP = { spenders: 10, people: DATA.productivityTop, idle: 12, models: 7 };

  // Seats carry the run day's snapshot too; the range follows cost and usage days.
  const allDates = [...new Set(days.map((r) => r.date))].sort();
  const minDate = allDates[0] || "";
  const maxDate = allDates[allDates.length - 1] || "";
  const tools = [...new Set(days.map((r) => r.tool))].sort();
  const teams = [...new Set(days.map((r) => r.team))].sort();
  const teamCostCenter = {};
  days.forEach((r) => (teamCostCenter[r.team] = r.cost_center));

  const el = (id) => document.getElementById(id);
  const state = { from: minDate, to: maxDate, tool: "", team: "" };

  // ---- filters ------------------------------------------------------------------------------------------
  function setupFilters() {
    const from = el("f-from"), to = el("f-to"), tool = el("f-tool"), team = el("f-team");
    for (const input of [from, to]) {
      input.min = minDate;
      input.max = maxDate;
    }
    from.value = state.from;
    to.value = state.to;
    tools.forEach((t) => tool.add(new window.Option(toolName(t), t)));
    teams.forEach((t) => team.add(new window.Option(t, t)));
    const apply = () => {
      state.from = from.value || minDate;
      state.to = to.value || maxDate;
      if (state.from > state.to) [state.from, state.to] = [state.to, state.from];
      state.tool = tool.value;
      state.team = team.value;
      render();
    };
    [from, to, tool, team].forEach((i) => i.addEventListener("change", apply));
    el("f-reset").addEventListener("click", () => {
      from.value = minDate;
      to.value = maxDate;
      tool.value = "";
      team.value = "";
      apply();
    });
  }
  const matchTool = (r) => !state.tool || r.tool === state.tool;
  const matchTeam = (r) => !state.team || r.team === state.team;
  const inRange = (r) => r.date >= state.from && r.date <= state.to;
  const pick = (rows) => rows.filter((r) => matchTool(r) && matchTeam(r) && inRange(r));
  /** Month rows (the person panels): the calendar months the range touches, whole. */
  const inMonths = (r) => r.month >= state.from.slice(0, 7) && r.month <= state.to.slice(0, 7);
  const pickMonths = (rows) => rows.filter((r) => matchTool(r) && matchTeam(r) && inMonths(r));

  // ---- helpers ------------------------------------------------------------------------------------------
  const sum = (rows, f) => rows.reduce((a, r) => a + (typeof f === "function" ? f(r) : r[f] || 0), 0);
  function groupSum(rows, key, value) {
    const m = new Map();
    rows.forEach((r) => m.set(key(r), (m.get(key(r)) || 0) + value(r)));
    return m;
  }
  function datesBetween(a, b) {
    const out = [];
    for (let t = Date.parse(a + "T00:00:00Z"); t <= Date.parse(b + "T00:00:00Z"); t += 86400000) out.push(new Date(t).toISOString().slice(0, 10));
    return out;
  }
  const daysInMonth = (ym) => new Date(Date.UTC(+ym.slice(0, 4), +ym.slice(5, 7), 0)).getUTCDate();
  // One formatter each: toLocaleDateString builds a new one per call, which a year of day labels feels.
  const monthFormat = new Intl.DateTimeFormat("en-US", { month: "short", year: "numeric", timeZone: "UTC" });
  const dayFormat = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
  const monthLabel = (ym) => monthFormat.format(new Date(ym + "-01T00:00:00Z"));
  /** The whole months the person panels cover, e.g. "Oct 2026 – Nov 2026". */
  const monthsLabel = () => {
    const a = state.from.slice(0, 7), b = state.to.slice(0, 7);
    if (!a) return "no months";
    return a === b ? monthLabel(a) : `${monthLabel(a)} – ${monthLabel(b)}`;
  };
  const dayLabel = (d) => dayFormat.format(new Date(d + "T00:00:00Z"));
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  /** vw_monthly_finance rows of a month for the filters: the picked team's rows (else the cost centers' '(all)'), the
   * picked tool's (else the 'all' roll-up, whose budget is the all-tools budget or the sum of the per-tool ones). */
  const financeRows = (month) => finance.filter((f) => f.month === month && f.team === (state.team || "(all)") && f.tool === (state.tool || "all"));
  const sumOrNull = (rows, key) => (rows.some((r) => r[key] != null) ? sum(rows, key) : null);

  // ---- charts -------------------------------------------------------------------------------------------
  const charts = {};
  function chart(id, option, points, emptyText) {
    const box = el(id);
    box.dataset.points = String(points);
    box.classList.toggle("is-empty", points === 0);
    box.querySelector(".empty-state").textContent = emptyText || "No data for the selected filters.";
    let c = charts[id];
    if (!c) {
      c = charts[id] = echarts.init(box.querySelector(".chart"), null, { renderer: "canvas" });
    }
    c.setOption(Object.assign({ animation: false, color: PALETTE, textStyle: { fontFamily: "inherit" } }, option), true);
  }
  const axisMoney = { type: "value", axisLabel: { formatter: (v) => usdCompact.format(v) }, splitLine: { lineStyle: { color: "#eef0f4" } } };
  const tooltipMoney = { trigger: "axis", valueFormatter: (v) => (v == null ? "–" : money(v)) };
  const legend = { top: 0, left: 0, icon: "roundRect", itemWidth: 10, itemHeight: 10, textStyle: { color: "#475569" } };

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const isWeekend = (d) => [0, 6].includes(new Date(d + "T00:00:00Z").getUTCDay());
  /** The anomaly rule (docs/looker-studio.md): a day is unusual when its spend is more than 3.5 robust z-scores
   * (distance from the median / (median absolute deviation / 0.6745)) away from the same kind of day - weekdays with
   * weekdays, weekends with weekends - of the 28 days before it. At least 5 such days are needed; a zero median
   * absolute deviation falls back to 1.2533 x the mean absolute deviation, and the scale is floored at 5% of the
   * median so that very even spend does not flag small wiggles. */
  function unusualDays(days, totalByDay) {
    const flagged = new Set();
    const weekend = days.map(isWeekend);
    days.forEach((d, i) => {
      const ref = days.slice(Math.max(0, i - 28), i).filter((x, j) => weekend[Math.max(0, i - 28) + j] === weekend[i]).map((x) => totalByDay.get(x) || 0);
      if (ref.length < 5) return;
      const m = median(ref);
      const deviations = ref.map((x) => Math.abs(x - m));
      const mad = median(deviations);
      const scale = Math.max(mad > 0 ? mad / 0.6745 : (1.2533 * sum(deviations, (x) => x)) / deviations.length, 0.05 * Math.abs(m));
      if (scale > 0 && Math.abs((totalByDay.get(d) || 0) - m) / scale > 3.5) flagged.add(d);
    });
    return flagged;
  }

  function renderSpendTrend(rows) {
    // The 7-day average and the anomaly rule look back past the range start, so the first days in range have history.
    const scoped = days.filter((r) => matchTool(r) && matchTeam(r));
    const allDays = datesBetween(minDate, maxDate);
    const totalByDay = groupSum(scoped, (r) => r.date, (r) => r.cost);
    const avg = {};
    allDays.forEach((d, i) => {
      if (i < 6) return;
      avg[d] = allDays.slice(i - 6, i + 1).reduce((a, x) => a + (totalByDay.get(x) || 0), 0) / 7;
    });
    const unusual = unusualDays(allDays, totalByDay);
    const shown = allDays.filter((d) => d >= state.from && d <= state.to);
    const usedTools = tools.filter((t) => rows.some((r) => r.tool === t));
    const series = usedTools.map((t) => {
      const byDay = groupSum(rows.filter((r) => r.tool === t), (r) => r.date, (r) => r.cost);
      return { name: toolName(t), type: "bar", stack: "spend", barMaxWidth: 18, itemStyle: { color: TOOL_COLOR[t] }, data: shown.map((d) => round(byDay.get(d) || 0)) };
    });
    const outliers = shown.filter((d) => unusual.has(d));
    if (rows.length) {
      series.push({ name: "7-day average", type: "line", smooth: true, symbol: "none", lineStyle: { width: 2.5, color: "#0f172a" }, itemStyle: { color: "#0f172a" }, data: shown.map((d) => (d in avg ? round(avg[d]) : null)) });
      series.push({
        name: "Unusual day", type: "scatter", symbol: "triangle", symbolSize: 9, itemStyle: { color: "#dc2626" },
        data: shown.map((d) => (unusual.has(d) ? round(totalByDay.get(d) || 0) : null)),
      });
    }
    chart("chart-spend-trend", {
      legend, tooltip: tooltipMoney, grid: { left: 56, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: shown.map(dayLabel), axisTick: { show: false } }, yAxis: axisMoney, series,
    }, rows.length ? shown.length : 0);
    el("trend-note").textContent = rows.length ? `${outliers.length} unusual day${outliers.length === 1 ? "" : "s"}` : "";
  }

  /** The month shown by the budget panel and the month KPIs: the latest month in range with figures in the views. */
  function currentMonth() {
    const months = [...new Set(finance.map((f) => f.month))].filter((m) => m <= state.to.slice(0, 7)).sort();
    return months[months.length - 1] || state.to.slice(0, 7);
  }

  function renderBudget() {
    const month = currentMonth();
    // vw_monthly_finance per cost center: spend so far, its month-end forecast and its budget, as Looker Studio shows them
    const rowsOut = financeRows(month)
      .map((f) => ({ c: f.cost_center, mtd: f.spend || 0, forecast: f.forecast == null ? f.spend || 0 : f.forecast, budget: f.budget, f }))
      .filter((x) => x.mtd > 0 || x.budget)
      .sort((a, b) => (a.c < b.c ? -1 : 1));
    const totals = { mtd: sum(rowsOut, "mtd"), forecast: sum(rowsOut, "forecast"), budget: sumOrNull(rowsOut, "budget") };
    const through = rowsOut.find((x) => x.f.days_with_data)?.f;
    // Shares of budget keep small and large cost centers readable on one axis; dollars are in the tooltip.
    const budgeted = rowsOut.filter((x) => x.budget);
    const share = (v, x) => +(v / x.budget).toFixed(4);
    const topShare = Math.max(0, ...budgeted.map((x) => Math.max(x.mtd, x.forecast) / x.budget));
    const nearBudget = topShare >= 0.8;
    chart("chart-budget", {
      legend,
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" },
        formatter: (ps) => {
          const x = budgeted[ps[0].dataIndex];
          return `<b>${esc(x.c)}</b><br>Month to date: ${money(x.mtd)} (${pct.format(x.mtd / x.budget)})<br>Forecast: ${money(x.forecast)} (${pct.format(x.forecast / x.budget)})<br>Budget: ${money(x.budget)}`;
        },
      },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: budgeted.map((x) => x.c), axisTick: { show: false } },
      // The budget line only fits the axis once a cost center gets near it; far below, it would flatten the bars.
      yAxis: { type: "value", max: nearBudget ? Math.ceil(topShare * 10 + 0.5) / 10 : undefined, axisLabel: { formatter: (v) => pct.format(v) }, splitLine: { lineStyle: { color: "#eef0f4" } } },
      series: [
        { name: "Month to date", type: "bar", barGap: "10%", barMaxWidth: 26, itemStyle: { color: "#4f46e5" }, data: budgeted.map((x) => share(x.mtd, x)),
          markLine: { silent: true, symbol: "none", label: { formatter: "budget", color: "#dc2626" }, lineStyle: { color: "#dc2626", type: "dashed" }, data: [{ yAxis: 1 }] } },
        { name: "Forecast (month end)", type: "bar", barMaxWidth: 26, itemStyle: { color: "#a5b4fc" }, data: budgeted.map((x) => share(x.forecast, x)) },
      ],
    }, budgeted.length, rowsOut.length ? "No budget set for this selection." : "");
    const unbudgeted = rowsOut.filter((x) => !x.budget && x.mtd > 0);
    el("budget-note").textContent = unbudgeted.length ? `No budget: ${unbudgeted.map((x) => `${x.c} ${money(x.mtd)}`).join(", ")}` : "";
    const known = through && through.days_with_data < through.days_in_month ? ` (${through.days_with_data} of ${through.days_in_month} days loaded)` : "";
    el("budget-title").textContent = `Month to date vs budget · ${month ? monthLabel(month) : ""}${known}`;
    return { month, ...totals };
  }

  function renderTeams(rows) {
    const byTeam = groupSum(rows, (r) => r.team, (r) => r.cost);
    const order = [...byTeam.keys()].sort((a, b) => byTeam.get(a) - byTeam.get(b));
    const usedTools = tools.filter((t) => rows.some((r) => r.tool === t));
    chart("chart-teams", {
      legend, tooltip: Object.assign({}, tooltipMoney, { axisPointer: { type: "shadow" } }), grid: { left: 150, right: 24, top: 36, bottom: 24 },
      yAxis: { type: "category", data: order.map((t) => (teamCostCenter[t] && teamCostCenter[t] !== t ? `${t} · ${teamCostCenter[t]}` : t)), axisTick: { show: false } },
      xAxis: axisMoney,
      series: usedTools.map((t) => {
        const m = groupSum(rows.filter((r) => r.tool === t), (r) => r.team, (r) => r.cost);
        return { name: toolName(t), type: "bar", stack: "t", barMaxWidth: 18, itemStyle: { color: TOOL_COLOR[t] }, data: order.map((team) => round(m.get(team) || 0)) };
      }),
    }, order.length);
  }

  function renderTopSpenders(people) {
    const byPerson = groupSum(people, (r) => r.person, (r) => r.cost);
    const top = [...byPerson.keys()].sort((a, b) => byPerson.get(b) - byPerson.get(a)).slice(0, TOP.spenders).reverse();
    el("top-spenders-title").textContent = `Top ${Math.min(TOP.spenders, byPerson.size)} spenders of ${byPerson.size} · ${monthsLabel()}`;
    const usedTools = tools.filter((t) => people.some((r) => r.tool === t));
    chart("chart-top-spenders", {
      legend, tooltip: Object.assign({}, tooltipMoney, { axisPointer: { type: "shadow" } }), grid: { left: 130, right: 24, top: 36, bottom: 24 },
      yAxis: { type: "category", data: top.map(personName), axisTick: { show: false } }, xAxis: axisMoney,
      series: usedTools.map((t) => {
        const m = groupSum(people.filter((r) => r.tool === t), (r) => r.person, (r) => r.cost);
        return { name: toolName(t), type: "bar", stack: "p", barMaxWidth: 16, itemStyle: { color: TOOL_COLOR[t] }, data: top.map((p) => round(m.get(p) || 0)) };
      }),
    }, top.length);
  }

  function renderSeats(people) {
    const rows = pick(seats);
    const shown = datesBetween(state.from, state.to).filter((d) => d >= minDate && d <= maxDate);
    const held = groupSum(rows, (r) => r.date, (r) => r.held);
    const active = groupSum(rows, (r) => r.date, (r) => r.active);
    // Idle seats: held in the months the range touches and never used in them.
    const perPerson = new Map();
    people.filter((r) => r.seat_days > 0).forEach((r) => {
      const p = perPerson.get(r.person) || { cost: 0, active: 0, team: r.team, tool: r.tool };
      p.cost += r.seat_cost;
      p.active += r.seat_active_days;
      perPerson.set(r.person, p);
    });
    const idle = [...perPerson.entries()].filter(([, p]) => p.active === 0);
    const idleCost = sum(idle, ([, p]) => p.cost);
    const seatCost = sum(rows, "seat_cost");
    const unusedDayCost = sum(rows, "unused_cost");
    const seatDays = sum(rows, "held");
    chart("chart-seats", {
      legend, tooltip: { trigger: "axis" }, grid: { left: 44, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: shown.map(dayLabel), axisTick: { show: false } },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef0f4" } } },
      series: [
        { name: "Seats held", type: "line", symbol: "none", lineStyle: { width: 2, color: "#94a3b8" }, itemStyle: { color: "#94a3b8" }, areaStyle: { color: "rgba(148,163,184,0.15)" }, data: shown.map((d) => held.get(d) || 0) },
        { name: "Active that day", type: "line", symbol: "none", lineStyle: { width: 2, color: "#4f46e5" }, itemStyle: { color: "#4f46e5" }, areaStyle: { color: "rgba(79,70,229,0.12)" }, data: shown.map((d) => active.get(d) || 0) },
      ],
    }, rows.length ? shown.length : 0, state.tool && !seats.some((r) => r.tool === state.tool) ? `${toolName(state.tool)} has no seats: it is paid by usage.` : "");
    const util = seatDays ? sum(rows, "active") / seatDays : null;
    el("seat-stats").innerHTML = rows.length
      ? `<div><b>${pct.format(util)}</b><span>seat-days used</span></div>` +
        `<div><b>${money(seatCost)}</b><span>seat cost in range</span></div>` +
        `<div><b>${money(unusedDayCost)}</b><span>paid for unused days</span></div>` +
        `<div class="${idle.length ? "warn" : ""}"><b>${money(idleCost)}</b><span>${idle.length} idle seat${idle.length === 1 ? "" : "s"} (no use in ${esc(monthsLabel())})</span></div>`
      : "";
    el("idle-seats").innerHTML = idle.length
      ? `Idle${idle.length > TOP.idle ? ` (the first ${TOP.idle} of ${idle.length})` : ""}: ` + idle.slice(0, TOP.idle).map(([p, x]) => `<span class="chip">${esc(personName(p))} · ${esc(x.team)} · ${money(x.cost)}</span>`).join(" ")
      : "";
    return { idleCost, idleCount: idle.length };
  }

  function renderProductivity(rows) {
    const usedTools = tools.filter((t) => rows.some((r) => r.tool === t));
    const stats = usedTools.map((t) => {
      const u = rows.filter((r) => r.tool === t);
      const lines = sum(u, "lines_accepted");
      // the lines the tool's spend pays for (a Claude Code plan user's are paid by the plan): the per-line divisor
      const billedLines = sum(u, "billed_lines_accepted");
      const shown = sum(u, "suggestions_shown"), accepted = sum(u, "suggestions_accepted");
      const acc = sum(u, "tool_accepts"), rej = sum(u, "tool_rejects");
      const cost = sum(u, "cost");
      return { t, lines, billedLines, suggest: shown ? accepted / shown : null, toolRate: acc + rej ? acc / (acc + rej) : null, cost, perLine: billedLines ? cost / billedLines : null };
    });
    const rated = stats.filter((s) => s.suggest != null || s.toolRate != null);
    const productive = stats.filter((s) => s.lines > 0);
    const paidFor = productive.filter((s) => s.billedLines > 0);
    chart("chart-acceptance", {
      legend, tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => (v == null ? "n/a" : pct.format(v)) },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: rated.map((s) => toolName(s.t)), axisTick: { show: false } },
      yAxis: { type: "value", max: 1, axisLabel: { formatter: (v) => pct.format(v) }, splitLine: { lineStyle: { color: "#eef0f4" } } },
      series: [
        { name: "Suggestions accepted", type: "bar", barMaxWidth: 28, itemStyle: { color: "#4f46e5" }, data: rated.map((s) => s.suggest) },
        { name: "Tool actions accepted", type: "bar", barMaxWidth: 28, itemStyle: { color: "#0d9488" }, data: rated.map((s) => s.toolRate) },
      ],
    }, rated.length);
    chart("chart-lines", {
      legend, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 64, right: 64, top: 36, bottom: 28 },
      xAxis: { type: "category", data: productive.map((s) => toolName(s.t)), axisTick: { show: false } },
      yAxis: [
        { type: "value", axisLabel: { formatter: (v) => num.format(v) }, splitLine: { lineStyle: { color: "#eef0f4" } } },
        { type: "value", axisLabel: { formatter: (v) => "$" + v.toFixed(3) }, splitLine: { show: false } },
      ],
      series: [
        { name: "Lines accepted", type: "bar", barMaxWidth: 36, itemStyle: { color: "#6366f1" }, tooltip: { valueFormatter: (v) => num.format(v) }, data: productive.map((s) => s.lines) },
        // one point per tool: the tools are not a series, so no line joins them
        { name: "Cost per accepted line (right axis)", type: "scatter", yAxisIndex: 1, symbol: "diamond", symbolSize: 12, itemStyle: { color: "#d97706" }, tooltip: { valueFormatter: (v) => (v == null ? "n/a" : unitMoney(v)) }, data: productive.map((s) => (s.perLine == null ? null : +s.perLine.toFixed(5))) },
      ],
    }, productive.length);
    const lines = sum(paidFor, "billedLines");
    const cost = sum(paidFor, "cost");
    const without = tools.filter((t) => rows.some((r) => r.tool === t) && !productive.some((s) => s.t === t));
    el("lines-note").textContent = productive.length
      ? `Covers ${productive.map((s) => toolName(s.t)).join(" and ")}${without.length ? `; ${without.map(toolName).join(", ")} report${without.length === 1 ? "s" : ""} no accepted lines` : ""}.`
      : "";
    return { lines, perLine: lines ? cost / lines : null, tools: paidFor.map((s) => toolName(s.t)) };
  }

  function renderModels() {
    const byModel = groupSum(pick(models), (r) => r.model, (r) => r.usage_cost);
    const sorted = [...byModel.entries()].sort((a, b) => b[1] - a[1]);
    const top = sorted.slice(0, TOP.models);
    const rest = sorted.slice(TOP.models).reduce((a, [, v]) => a + v, 0);
    if (rest > 0) top.push([`Other models (${sorted.length - TOP.models})`, rest]);
    el("models-title").textContent = sorted.length > TOP.models ? `Model mix · top ${TOP.models} of ${sorted.length} models` : "Model mix";
    chart("chart-models", {
      tooltip: { trigger: "item", formatter: (p) => `${esc(p.name)}<br>${money(p.value)} · ${pct.format(p.percent / 100)}` },
      legend: {
        type: "scroll", orient: "vertical", right: 0, top: "middle", textStyle: { color: "#475569" },
        formatter: (name) => { const v = top.find(([n]) => n === name); return v ? `${name} · ${pct.format(v[1] / (sum(top, (x) => x[1]) || 1))}` : name; },
      },
      series: [{
        name: "Usage spend", type: "pie", radius: ["42%", "70%"], center: ["34%", "52%"], avoidLabelOverlap: true,
        label: { show: true, formatter: (p) => (p.percent >= 3 ? `${Math.round(p.percent)}%` : ""), color: "#334155" }, labelLine: { show: true, length: 6, length2: 6 },
        itemStyle: { borderColor: "#fff", borderWidth: 2 }, data: top.map(([name, value]) => ({ name, value: round(value) })),
      }],
    }, top.length);
  }

  /** Per month: spend, forecast, month over month and its basis, days loaded, from the views (never recomputed here):
   * vw_executive_summary (tool or 'all') without a team, vw_monthly_finance's rows of the team with one. */
  function monthlyRows() {
    const tool = state.tool || "all";
    const rows = state.team ? finance.filter((f) => f.team === state.team && f.tool === tool) : executive.filter((e) => e.tool === tool);
    const out = new Map();
    rows.forEach((r) => out.set(r.month, [...(out.get(r.month) || []), r]));
    return [...out.entries()].map(([month, rs]) => ({
      month,
      spend: sum(rs, "spend"),
      forecast: sum(rs, (r) => (r.forecast == null ? r.spend : r.forecast)),
      // a team in two cost centers that month has two rows: their sum has no single comparison
      mom: rs.length === 1 ? rs[0].mom : null,
      basis: rs.length === 1 ? rs[0].mom_basis : null,
      alert: rs.length === 1 && rs[0].is_mom_alert,
      monthToDate: rs.some((r) => r.is_month_to_date),
      days: Math.max(...rs.map((r) => r.days_with_data || 0)),
      daysInMonth: rs[0].days_in_month || daysInMonth(month),
    }));
  }

  function renderMonthly() {
    const months = monthlyRows().filter((m) => m.month >= state.from.slice(0, 7) && m.month <= state.to.slice(0, 7)).sort((a, b) => (a.month < b.month ? -1 : 1));
    const body = months.map((m) => {
      const runRate = m.basis && m.basis.startsWith("month to date");
      const change = m.mom == null ? "–" : `${(m.mom > 0 ? "+" : "") + pct.format(m.mom)}${runRate ? " (run-rate)" : ""}${m.alert ? " ⚑" : ""}`;
      return `<tr data-month="${m.month}"><td>${monthLabel(m.month)}</td><td class="num">${money(m.spend)}</td>` +
        `<td class="num ${m.alert ? "alert" : ""}" title="${esc(m.basis || "no complete month to compare with")}">${change}</td>` +
        `<td class="num">${m.monthToDate ? money(m.forecast) : "–"}</td><td class="num">${m.days}/${m.daysInMonth}</td></tr>`;
    });
    el("monthly-table").innerHTML = body.join("");
    el("panel-monthly").classList.toggle("is-empty", months.length === 0);
    el("panel-monthly").dataset.points = String(months.length);
  }

  function renderPeople() {
    const months = [...new Set(productivity.map((r) => r.month))].filter((m) => m >= state.from.slice(0, 7) && m <= state.to.slice(0, 7)).sort();
    const month = months[months.length - 1];
    // The embedded rows are each month, tool and team's top N in this order, so they hold any selection's top N.
    const rows = productivity.filter((r) => r.month === month && matchTool(r) && matchTeam(r))
      .sort((a, b) => b.lines_accepted - a.lines_accepted || b.active_days - a.active_days || (a.person < b.person ? -1 : 1))
      .slice(0, TOP.people);
    const of = sum(productivityGroups.filter((g) => g.month === month && matchTool(g) && matchTeam(g)), "people");
    const rate = (r) => (r.suggestion_acceptance_rate != null ? r.suggestion_acceptance_rate : r.tool_acceptance_rate);
    el("people-title").textContent = `Productivity by person · ${month ? monthLabel(month) : ""}${of > TOP.people ? ` · top ${TOP.people} of ${of} by lines accepted` : ""}`;
    el("people-table").innerHTML = rows.map((r) =>
      `<tr><td>${esc(personName(r.person))}</td><td>${esc(toolName(r.tool))}</td><td>${esc(r.team)}</td><td class="num">${r.active_days}</td>` +
      `<td class="num">${num.format(r.lines_accepted)}</td><td class="num">${rate(r) == null ? "–" : pct.format(rate(r))}</td>` +
      `<td class="num">${r.cost_per_line == null ? "–" : unitMoney(r.cost_per_line)}</td><td><span class="tier tier-${esc(r.tier)}">${esc(r.tier)}</span></td></tr>`).join("");
    el("panel-people").classList.toggle("is-empty", rows.length === 0);
    el("panel-people").dataset.points = String(rows.length);
  }

  function renderHealth(rows) {
    const now = Date.parse(DATA.generatedAt);
    const maxAge = DATA.health.freshnessMaxHours;
    el("freshness-table").innerHTML = DATA.health.streams.map((s) => {
      const age = s.lastSucceededAt ? (now - Date.parse(s.lastSucceededAt)) / 3600000 : null;
      const stale = s.stale != null ? s.stale : age == null || age > maxAge;
      const [tone, label] = s.lastStatus === "failed" ? ["bad", "failed"]
        : stale ? ["bad", "stale"] : ["ok", "fresh"];
      return `<tr><td>${esc(s.source)}.${esc(s.stream)}</td><td>${s.lastSucceededAt ? esc(s.lastSucceededAt.slice(0, 16).replace("T", " ")) + " UTC" : "never"}</td>` +
        `<td class="num">${age == null ? "–" : age < 1 ? "< 1 h" : Math.round(age) + " h"}</td><td class="num">${num.format(s.records)}</td>` +
        `<td><span class="badge ${tone}" title="${esc(s.lastError || "")}">${label}</span></td></tr>`;
    }).join("") || `<tr><td colspan="5" class="muted">No load runs recorded.</td></tr>`;
    el("checks-list").innerHTML = DATA.health.checks.map((c) => {
      const status = c.failingRows == null ? ["none", "not run"] : c.failingRows === 0 ? ["ok", "pass"] : ["bad", `${c.failingRows} failing`];
      return `<li><span class="badge ${status[0]}">${status[1]}</span> ${esc(c.description)} <code>${esc(c.name)}</code></li>`;
    }).join("");
    const total = sum(rows, "cost");
    const unattributed = sum(rows, "unattributed_cost");
    const unmapped = sum(rows, "unmapped_cost");
    const quarantined = sum(DATA.health.quarantine, "records");
    el("health-stats").innerHTML =
      `<div><b id="unattributed-share">${total ? pct.format(unattributed / total) : "–"}</b><span>unattributed spend (${money(unattributed)})</span></div>` +
      `<div><b>${total ? pct.format(unmapped / total) : "–"}</b><span>spend of people missing from the mapping</span></div>` +
      `<div class="${quarantined ? "warn" : ""}"><b>${num.format(quarantined)}</b><span>quarantined records</span></div>`;
    el("quarantine-list").innerHTML = DATA.health.quarantine.slice(0, 8).map((q) => `<li><b>${num.format(q.records)}</b> ${esc(q.source)}.${esc(q.stream)}: ${esc(q.reason)}</li>`).join("") ||
      '<li class="muted">Nothing quarantined.</li>';
    return { unattributedShare: total ? unattributed / total : null };
  }

  const round = (v) => Math.round(v * 100) / 100;

  /** The month KPIs for all teams come from vw_executive_summary's row (the tool's, else 'all'); with a team, from the
   * finance rows the budget panel shows. */
  function monthKpis(b) {
    if (state.team) return b;
    const row = executive.find((e) => e.month === b.month && e.tool === (state.tool || "all"));
    return row ? { ...b, mtd: row.spend, forecast: row.forecast == null ? row.spend : row.forecast } : b;
  }

  function kpi(id, value, sub, tone) {
    const k = el(id);
    k.querySelector(".value").textContent = value;
    k.querySelector(".sub").textContent = sub || "";
    k.dataset.tone = tone || "";
  }

  function render() {
    const rows = pick(days);
    const people = pickMonths(personMonths);
    const total = sum(rows, "cost");
    el("f-summary").textContent = minDate
      ? `${dayLabel(state.from)} – ${dayLabel(state.to)} · ${state.tool ? toolName(state.tool) : "all tools"} · ${state.team || "all teams"}`
      : "No data loaded yet: run the load and the models, then rebuild this report.";
    document.body.classList.toggle("no-data", rows.length === 0);
    renderSpendTrend(rows);
    const budget = monthKpis(renderBudget());
    renderTeams(rows);
    renderTopSpenders(people);
    const seat = renderSeats(people);
    const prod = renderProductivity(rows);
    renderModels();
    renderMonthly();
    renderPeople();
    const health = renderHealth(rows);
    const dayCount = datesBetween(state.from, state.to).length;
    const active = new Set(people.filter((r) => r.active_days > 0).map((r) => r.person)).size;
    kpi("kpi-spend", rows.length ? money(total) : "–", rows.length ? `${money(total / dayCount)} per day over ${dayCount} days` : "no spend for these filters");
    kpi("kpi-mtd", money(budget.mtd), budget.budget == null ? "no budget set for this selection" : `of ${money(budget.budget)} budget (${pct.format(budget.mtd / budget.budget)})`, budget.budget != null && budget.forecast > budget.budget ? "bad" : "");
    kpi("kpi-forecast", money(budget.forecast), budget.budget == null ? "month end at current run-rate" : budget.forecast > budget.budget ? `over budget by ${money(budget.forecast - budget.budget)}` : `${money(budget.budget - budget.forecast)} under budget`, budget.budget != null && budget.forecast > budget.budget ? "bad" : "good");
    kpi("kpi-users", num.format(active), active ? `in ${monthsLabel()}` : "nobody active");
    kpi("kpi-line", prod.perLine == null ? "–" : unitMoney(prod.perLine), prod.tools.length ? `${prod.tools.join(" + ")}: ${num.format(prod.lines)} lines accepted they pay for` : "no tool reports accepted lines");
    kpi("kpi-idle", money(seat.idleCost), `${seat.idleCount} seat${seat.idleCount === 1 ? "" : "s"} unused in ${monthsLabel()}`, seat.idleCount ? "bad" : "");
    kpi("kpi-unattributed", health.unattributedShare == null ? "–" : pct.format(health.unattributedShare), "of spend has no person");
    window.__dashboard = { state: Object.assign({}, state), total, rows: rows.length };
  }

  el("meta").textContent = `${DATA.dataset} · data ${minDate ? `${dayLabel(minDate)} – ${dayLabel(maxDate)}` : "none"} · built ${DATA.generatedAt.slice(0, 16).replace("T", " ")} UTC`;
  setupFilters();
  render();
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
})();
