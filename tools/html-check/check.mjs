#!/usr/bin/env node
// Checks the HTML conformance matrix (`sigv4-conformance report --html`) in Debian's headless
// Chromium, driven by playwright-core (no browser download: /usr/bin/chromium).
//
//   node check.mjs PAGE.html [--screenshot PATH] [REPORT.json ...]
//
// With reports, the expected rows (the union of their case ids) and columns (one per report) come
// from them; without, from the data embedded in the page. Exits 1 on any console error, page
// error, failed or non-file request, or a check that does not hold.

import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function usage(message) {
  console.error(`html-check: ${message}`);
  console.error('usage: node check.mjs PAGE.html [--screenshot PATH] [REPORT.json ...]');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { page: null, screenshot: null, reports: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--screenshot') {
      args.screenshot = argv[i + 1];
      if (!args.screenshot) usage('--screenshot needs a PATH');
      i += 1;
    } else if (arg.startsWith('--')) {
      usage(`unknown option ${arg}`);
    } else if (args.page === null) {
      args.page = arg;
    } else {
      args.reports.push(arg);
    }
  }
  if (args.page === null) usage('no page given');
  return args;
}

/// What the page should show, from the JSON reports: ids, implementations, failing rows, and a
/// failing case with a diagnosis (and one without) to click.
function expectationsFromReports(paths) {
  const reports = paths.map((p) => JSON.parse(readFileSync(p, 'utf8')));
  const ids = new Set();
  for (const r of reports) for (const c of r.cases) ids.add(c.id);
  const failingIds = new Set();
  let diagnosed = null;
  let undiagnosed = null;
  reports.forEach((r, column) => {
    for (const c of r.cases) {
      if (c.status === 'fail' || c.status === 'error') failingIds.add(c.id);
      if (c.status !== 'fail') continue;
      // The page orders its columns itself (grouped by language): a report's column is found by
      // its implementation's name and version (mapped to the page's column in pageColumn).
      const pick = { id: c.id, column, impl: implKey(r.implementation), stage: c.first_divergence && c.first_divergence.stage, diagnosis: c.diagnosis || [] };
      if (pick.diagnosis.length > 0 && !diagnosed) diagnosed = pick;
      if (pick.diagnosis.length === 0 && !undiagnosed) undiagnosed = pick;
    }
  });
  const languages = new Set(reports.map((r) => languageOf(r.implementation)));
  const wrappers = reports.filter((r) => r.implementation.wraps).length;
  return { ids: [...ids].sort(), columns: reports.length, failingIds, diagnosed, undiagnosed, languages, wrappers };
}

function implKey(impl) {
  return `${impl.name}\u0000${impl.version}`;
}

function languageOf(impl) {
  return (impl.language || '').trim() || 'other';
}

/// The page's column of a pick made from the reports (by implementation), or its own column.
function pageColumn(data, pick) {
  if (pick.impl === undefined) return pick.column;
  return data.implementations.findIndex((impl) => implKey(impl) === pick.impl);
}

/// The same, from the data the page embeds.
function expectationsFromData(data) {
  const failingIds = new Set();
  let diagnosed = null;
  let undiagnosed = null;
  data.cells.forEach((row, r) => {
    row.forEach((cell, column) => {
      if (!cell) return;
      if (cell.status === 'fail' || cell.status === 'error') failingIds.add(data.cases[r]);
      if (cell.status !== 'fail') return;
      const pick = { id: data.cases[r], column, stage: cell.divergence, diagnosis: cell.diagnosis || [] };
      if (pick.diagnosis.length > 0 && !diagnosed) diagnosed = pick;
      if (pick.diagnosis.length === 0 && !undiagnosed) undiagnosed = pick;
    });
  });
  const languages = new Set(data.implementations.map(languageOf));
  const wrappers = data.implementations.filter((impl) => impl.wraps).length;
  return { ids: [...data.cases], columns: data.implementations.length, failingIds, diagnosed, undiagnosed, languages, wrappers };
}

const failures = [];
function check(ok, message) {
  if (!ok) failures.push(message);
  return ok;
}

async function visibleRowIds(page) {
  return page.$$eval('#matrix tbody tr', (trs) => trs.filter((tr) => !tr.hidden).map((tr) => tr.getAttribute('data-id')));
}

/// Sets the text filter as a person types it, and returns the rows shown and the time taken.
async function typeFilter(page, value) {
  const input = page.locator('#filter-text');
  await input.fill('');
  const started = Date.now();
  await input.pressSequentially(value);
  const ms = await page.evaluate(() => {
    const t0 = performance.now();
    const input = document.getElementById('filter-text');
    input.dispatchEvent(new Event('input'));
    return performance.now() - t0;
  });
  return { ids: await visibleRowIds(page), ms, typedMs: Date.now() - started };
}

async function openCell(page, data, pick) {
  const column = pageColumn(data, pick);
  check(column >= 0, `no column for ${pick.impl}`);
  const cell = page.locator(`#matrix tbody tr[data-id="${pick.id.replace(/["\\]/g, '\\$&')}"] td.c[data-c="${column}"]`);
  await cell.click();
  await page.locator('#details').waitFor({ state: 'visible' });
  return {
    title: await page.locator('#details h2').textContent(),
    diff: (await page.locator('#details pre.diff').count()) ? await page.locator('#details pre.diff').textContent() : '',
    diagnosis: await page.locator('#details .diagnosis').allTextContents(),
    stages: await page.locator('#details .stages li').count(),
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const url = pathToFileURL(resolve(args.page)).href;
  const errors = { console: [], page: [], request: [] };
  const profile = mkdtempSync(join(tmpdir(), 'html-check-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1600, height: 1000 },
  });
  let summary = '';
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (msg) => { if (msg.type() === 'error') errors.console.push(msg.text()); });
    page.on('pageerror', (err) => errors.page.push(String(err)));
    page.on('requestfailed', (req) => errors.request.push(`${req.url()}: ${req.failure() && req.failure().errorText}`));
    page.on('request', (req) => {
      if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) errors.request.push(`external request ${req.url()}`);
    });
    await page.goto(url, { waitUntil: 'load' });

    const data = JSON.parse(await page.locator('#matrix-data').textContent());
    const want = args.reports.length > 0 ? expectationsFromReports(args.reports) : expectationsFromData(data);

    // The matrix: a row per case id, sorted; a column per implementation; a cell in each.
    const ids = await visibleRowIds(page);
    const columns = await page.locator('#matrix thead th.impl').count();
    const cells = await page.locator('#matrix tbody td.c').count();
    check(ids.length === want.ids.length, `rows: ${ids.length}, expected ${want.ids.length}`);
    check(JSON.stringify(ids) === JSON.stringify(want.ids), 'row ids differ from the reports\' (sorted union)');
    check(columns === want.columns, `columns: ${columns}, expected ${want.columns}`);
    check(cells === want.ids.length * want.columns, `cells: ${cells}, expected ${want.ids.length * want.columns}`);
    // Columns grouped by language: each language one contiguous run with one colgroup, the
    // first column of each run labelled; wrappers marked as such, one per wrapping report.
    const columnLanguages = await page.$$eval('#matrix thead th.impl', (ths) => ths.map((th) => th.dataset.lang));
    const runs = columnLanguages.filter((lang, i) => i === 0 || columnLanguages[i - 1] !== lang);
    check(new Set(runs).size === runs.length, `a language's columns are not together: ${runs.join(', ')}`);
    check(JSON.stringify([...new Set(runs)].sort()) === JSON.stringify([...want.languages].sort()),
      `language groups ${runs.join(', ')}, expected ${[...want.languages].sort().join(', ')}`);
    check((await page.locator('#matrix colgroup.lang').count()) === runs.length, 'one colgroup per language');
    check((await page.locator('#matrix thead th.impl.group-start').count()) === runs.length, 'each language group labelled once');
    check((await page.locator('#matrix thead th.impl.wrapper').count()) === want.wrappers,
      `wrappers marked: ${await page.locator('#matrix thead th.impl.wrapper').count()}, expected ${want.wrappers}`);
    for (const name of ['canonical_request', 'string_to_sign', 'signing_key', 'signature', 'authorization', 'presigned_url', 'signed_request', 'error']) {
      check((await page.locator(`#legend .swatch.k-fail-${name}`).count()) === 1, `legend lacks ${name}`);
    }

    // The text filter hides the rows whose id lacks the substring.
    const needle = 's3/get-key';
    const filtered = await typeFilter(page, needle);
    const expectFiltered = want.ids.filter((id) => id.toLowerCase().includes(needle));
    check(filtered.ids.length === expectFiltered.length && filtered.ids.length < want.ids.length,
      `filter '${needle}': ${filtered.ids.length} rows shown, expected ${expectFiltered.length}`);
    check(filtered.ms < 50, `filtering took ${filtered.ms.toFixed(1)} ms`);
    await page.locator('#filter-text').fill('');

    // The status filter: any failing, then all passing.
    await page.locator('#filter-status').selectOption('failing');
    const failingShown = await visibleRowIds(page);
    check(failingShown.length === want.failingIds.size, `'any failing': ${failingShown.length} rows, expected ${want.failingIds.size}`);
    await page.locator('#filter-status').selectOption('passing');
    const passingShown = await visibleRowIds(page);
    check(passingShown.length === want.ids.length - want.failingIds.size, `'all passing': ${passingShown.length} rows`);
    await page.locator('#filter-status').selectOption('all');
    check((await visibleRowIds(page)).length === want.ids.length, 'clearing the filters does not show every row');

    // A failing cell with a diagnosis, then one without.
    let details = 'no failing cell';
    if (want.diagnosed) {
      const shown = await openCell(page, data, want.diagnosed);
      check(shown.title === want.diagnosed.id, `details title '${shown.title}'`);
      check(shown.diff.trim().length > 0, `no diff for ${want.diagnosed.id}`);
      check(shown.stages > 0, `no stage lines for ${want.diagnosed.id}`);
      check(shown.diagnosis.join(' ').includes(want.diagnosed.diagnosis[0].mutation),
        `diagnosis of ${want.diagnosed.id} lacks ${want.diagnosed.diagnosis[0].mutation}`);
      details = `details of ${want.diagnosed.id} x column ${want.diagnosed.column} show diff and diagnosis`;
    }
    if (want.undiagnosed) {
      const shown = await openCell(page, data, want.undiagnosed);
      check(shown.diagnosis.join(' ').includes('no known mistake reproduces this'),
        `${want.undiagnosed.id}: no 'no known mistake' line`);
      check(shown.diff.trim().length > 0, `no diff for ${want.undiagnosed.id}`);
    }

    if (args.screenshot) {
      // The picture: failing rows only, the details of a diagnosed failure open.
      await page.locator('#filter-status').selectOption('failing');
      if (want.diagnosed) await openCell(page, data, want.diagnosed);
      await page.screenshot({ path: args.screenshot });
    }

    const errorCount = errors.console.length + errors.page.length;
    summary = `html-check: ${ids.length} rows x ${columns} implementations, ${errorCount} console errors, `
      + `${errors.request.length} failed requests; filter '${needle}' -> ${filtered.ids.length} rows in ${filtered.ms.toFixed(1)} ms; ${details}`;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }

  for (const e of errors.console) failures.push(`console error: ${e}`);
  for (const e of errors.page) failures.push(`page error: ${e}`);
  for (const e of errors.request) failures.push(`request: ${e}`);
  console.log(summary);
  if (failures.length > 0) {
    for (const f of failures) console.error(`html-check: FAIL: ${f}`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(`html-check: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
