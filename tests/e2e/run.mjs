// Browser tests for groupcare, run by `cargo test` (tests/app/browser.rs) against a live app:
// axe-core over every page in English and Spanish (as a visitor and as each staff role),
// html-validate's recommended rules over the public pages' HTML as the server sends it, and
// the end-to-end flows of a visitor, intake and a counselor. Headless Chromium from Debian's
// package, driven by playwright-core. Screenshots go to ARTIFACTS.
//
// Environment: BASE_URL, STAFF_PASSWORD, ARTIFACTS, CHROMIUM (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { HtmlValidate } from "html-validate";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const BASE = process.env.BASE_URL;
const PASSWORD = process.env.STAFF_PASSWORD;
const ARTIFACTS = process.env.ARTIFACTS;
mkdirSync(ARTIFACTS, { recursive: true });

const PHONE = { width: 360, height: 640 };
const DESKTOP = { width: 1280, height: 900 };
const failures = [];
let pagesChecked = 0;
let pagesValidated = 0;
const htmlValidate = new HtmlValidate({ extends: ["html-validate:recommended"] });

function fail(message) {
  failures.push(message);
  console.log(`FAIL ${message}`);
}

// Playwright gives every launch a fresh, empty profile of its own.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
  ],
});

async function newPage(viewport, lang) {
  // bypassCSP: only so that axe-core can be injected; the app itself allows no inline script.
  const context = await browser.newContext({ viewport, locale: lang === "es" ? "es-MX" : "en-US", bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${BASE}/?lang=${lang}`);
  return page;
}

async function axe(page, label) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  pagesChecked += 1;
  console.log(`axe ${label}: ${result.violations.length} violations`);
  for (const v of result.violations) {
    fail(`axe ${label}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  }
}

// The page's HTML as the server sent it (not the browser's rebuilt DOM) under html-validate.
async function validHtml(response, label) {
  const report = await htmlValidate.validateString(await response.text());
  pagesValidated += 1;
  console.log(`html-validate ${label}: ${report.errorCount} errors`);
  for (const result of report.results) {
    for (const m of result.messages) fail(`html-validate ${label}: ${m.line}:${m.column} ${m.message} (${m.ruleId})`);
  }
}

async function noSideScroll(page, label) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > page.viewportSize().width + 1) fail(`${label}: ${wide}px wide on a ${page.viewportSize().width}px screen`);
}

async function visit(page, path, label, { phone = false, validate = false } = {}) {
  const response = await page.goto(`${BASE}${path}`);
  if (!response || response.status() >= 500) fail(`${label}: status ${response && response.status()}`);
  if (validate && response) await validHtml(response, label);
  await axe(page, label);
  if (phone) await noSideScroll(page, label);
}

async function signIn(page, email) {
  await page.goto(`${BASE}/staff/login`);
  await page.fill("#f-email", email);
  await page.fill("#f-password", PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  if (!page.url().endsWith("/staff")) fail(`sign-in of ${email} ended at ${page.url()}`);
}

// Keyboard only: press Tab until `selector` has the focus, and check that the focus shows.
async function tabTo(page, selector, label) {
  for (let i = 0; i < 120; i += 1) {
    await page.keyboard.press("Tab");
    const there = await page.evaluate((sel) => document.activeElement && document.activeElement.matches(sel), selector);
    if (there) {
      const outline = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement);
        return `${style.outlineStyle} ${style.outlineWidth}`;
      });
      if (outline.startsWith("none") || outline.endsWith(" 0px")) fail(`${label}: no visible focus on ${selector}`);
      return;
    }
  }
  fail(`${label}: Tab never reached ${selector}`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// What the app offers: a group of counselor1's (Maria Delgado) with seats, from the API.
const sessions = await (await fetch(`${BASE}/api/v1/sessions`)).json();
const group = sessions.find((s) => s.status === "open" && s.counselors.some((c) => c.name === "Maria Delgado"));
const counselorId = group.counselors.find((c) => c.name === "Maria Delgado").id;

// ---------------------------------------------------------------- a visitor on a phone
{
  const page = await newPage(PHONE, "en");
  await shot(page, "phone-home-en");
  await page.goto(`${BASE}/sessions`);
  await shot(page, "phone-sessions-en");
  await page.setViewportSize(DESKTOP);
  await shot(page, "desktop-sessions-en");
  await page.setViewportSize(PHONE);
  await page.goto(`${BASE}/sessions/${group.id}`);
  // Keyboard only, from the top of the page: Tab to each field, type, Space for the
  // checkbox, Enter to send. The skip link comes first.
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => document.activeElement.className);
  if (first !== "skip-link") fail(`visitor: the first Tab lands on '${first}', not the skip link`);
  await tabTo(page, "#f-first_name", "visitor");
  await page.keyboard.type("Keyla");
  await tabTo(page, "#f-last_name", "visitor");
  await page.keyboard.type("Board");
  await tabTo(page, "#f-phone", "visitor");
  await page.keyboard.type("(909) 555-0161");
  await tabTo(page, "input[name=consent_voicemail]", "visitor");
  await page.keyboard.press("Space");
  await shot(page, "phone-form-en");
  await tabTo(page, "button[type=submit].button", "visitor");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  const reference = (await page.textContent(".reference"))?.trim();
  if (!/^[2-9A-Z]{8}$/.test(reference || "")) fail(`visitor: no reference on the confirmation (${reference})`);
  await shot(page, "phone-confirmation-en");
  const manage = await page.textContent(".private-link a");
  await page.goto(manage.trim());
  await Promise.all([page.waitForNavigation(), page.click("text=Cancel my request")]);
  // It asks once more; keyboard users get there too.
  await axe(page, "en visitor cancel question");
  await Promise.all([page.waitForNavigation(), page.click("text=Yes, cancel it")]);
  if (!(await page.content()).includes("This request is cancelled.")) fail("visitor: cancelling did not show the cancellation");
  console.log(`flow visitor: booked ${reference} with the keyboard alone, opened the manage link, cancelled`);
  await page.context().close();
}

// A second visitor keeps their request for intake, in Spanish.
let keptReference;
{
  const page = await newPage(PHONE, "es");
  await page.goto(`${BASE}/sessions/${group.id}`);
  await page.fill("#f-first_name", "Nora");
  await page.fill("#f-last_name", "Quintero");
  await page.fill("#f-phone", "909-555-0162");
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit].button")]);
  keptReference = (await page.textContent(".reference")).trim();
  await shot(page, "phone-confirmation-es");
  await page.context().close();
}

// ---------------------------------------------------------------- intake confirms it
{
  const page = await newPage(DESKTOP, "en");
  await signIn(page, "intake@demo.groupcare");
  await page.goto(`${BASE}/staff/intake`);
  await shot(page, "desktop-intake-queue");
  // Keyboard only: Tab to the request, Enter; Tab to "Confirm the seat", Enter.
  const requestId = await page.locator("a", { hasText: "Nora Quintero" }).getAttribute("href");
  await tabTo(page, `a[href="${requestId}"]`, "intake");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  await tabTo(page, `form[action$="/confirm"] button`, "intake");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  const status = (await page.textContent("dd.status")).trim();
  if (status !== "Confirmed") fail(`intake: the request is ${status} after confirming`);
  await shot(page, "desktop-intake-request");
  console.log(`flow intake: confirmed ${keptReference} with the keyboard alone`);
  await page.context().close();
}

// ---------------------------------------------------------------- the counselor's roster
{
  const page = await newPage(DESKTOP, "en");
  await signIn(page, "counselor1@demo.groupcare");
  await page.goto(`${BASE}/staff/sessions/${group.id}/roster`);
  if (!(await page.content()).includes("Nora Quintero")) fail("counselor: the participant is not on the roster");
  await shot(page, "desktop-roster");
  await page.goto(`${BASE}/staff/sessions/${group.id}/sign-in-sheet`);
  const sheet = await page.content();
  if (!sheet.includes("Nora Q.") || sheet.includes("Quintero")) fail("counselor: the sign-in sheet should show 'Nora Q.' only");
  await page.emulateMedia({ media: "print" });
  await shot(page, "desktop-sign-in-sheet-print");
  console.log("flow counselor: saw the participant on the roster and opened the print view");
  await page.context().close();
}

// ---------------------------------------------------------------- axe over every page
for (const lang of ["en", "es"]) {
  const page = await newPage(PHONE, lang);
  const visitorPages = ["/", "/sessions", `/sessions/${group.id}`, "/counselors", `/counselors/${counselorId}`,
    "/privacy", "/no-such-page", "/staff/login"];
  for (const path of visitorPages) {
    await visit(page, path, `${lang} visitor ${path}`, { phone: true, validate: true });
    // Every public page at 360 px in both languages, for a person to read for wrapping.
    await shot(page, `phone-${lang}-${path.replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "home"}`);
  }
  // The form with problems beside the fields, and a booking's private page.
  await page.goto(`${BASE}/sessions/${group.id}`);
  await page.fill("#f-phone", "12");
  const [refused] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit].button")]);
  await validHtml(refused, `${lang} visitor booking form with problems`);
  await axe(page, `${lang} visitor booking form with problems`);
  await page.fill("#f-first_name", "Axe");
  await page.fill("#f-last_name", "Check");
  await page.fill("#f-phone", lang === "en" ? "909-555-0171" : "909-555-0172");
  // Every week: the page then lists the coming dates, each of which can be skipped.
  await page.check("input[name=every_week]");
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit].button")]);
  await validHtml(await page.request.get(page.url()), `${lang} visitor manage page`);
  await axe(page, `${lang} visitor manage page`);
  await noSideScroll(page, `${lang} visitor manage page`);
  await shot(page, `phone-manage-${lang}`);
  const weeks = await page.locator("ul.weeks li").count();
  if (weeks < 2) fail(`${lang} visitor: a weekly place lists ${weeks} coming dates`);
  const managePath = new URL(page.url()).pathname;
  await Promise.all([page.waitForNavigation(), page.locator("ul.weeks form button").nth(1).click()]);
  await axe(page, `${lang} visitor skip-a-date question`);
  await page.goto(`${BASE}${managePath}`);
  await Promise.all([page.waitForNavigation(), page.click(`form[action="${managePath}/leave"] button`)]);
  await axe(page, `${lang} visitor leave-every-week question`);
  await page.context().close();

  const roles = {
    "admin@demo.groupcare": ["/staff", "/staff/intake", "/staff/intake/phone-booking", "/staff/admin/sessions",
      `/staff/admin/sessions/${group.id}`, "/staff/admin/series", "/staff/admin/series/1",
      "/staff/admin/catalog/clinics", "/staff/admin/catalog/counselors", "/staff/admin/catalog/topics",
      "/staff/admin/staff", "/staff/admin/audit", "/staff/admin/messages", "/staff/admin/closures",
      "/staff/second-factor"],
    "intake@demo.groupcare": ["/staff", "/staff/intake", "/staff/intake?status=confirmed", "/staff/intake/find"],
    "counselor1@demo.groupcare": ["/staff", "/staff/my-sessions", `/staff/sessions/${group.id}/roster`,
      `/staff/sessions/${group.id}/sign-in-sheet`],
  };
  for (const [email, paths] of Object.entries(roles)) {
    const staff = await newPage(DESKTOP, lang);
    await signIn(staff, email);
    for (const path of paths) await visit(staff, path, `${lang} ${email.split("@")[0]} ${path}`);
    if (email.startsWith("intake")) {
      await staff.goto(`${BASE}/staff/intake`);
      await Promise.all([staff.waitForNavigation(), staff.locator("table.queue a").first().click()]);
      await axe(staff, `${lang} intake request page`);
    }
    if (email.startsWith("admin")) {
      // A closure's first step: the groups it would cancel and whom to call (not confirmed).
      await staff.goto(`${BASE}/staff/admin/closures`);
      await staff.fill("#f-date", group.starts_at.slice(0, 10));
      await staff.locator("input[name=clinic]").first().check();
      await staff.fill("#f-reason", "Holiday");
      await Promise.all([staff.waitForNavigation(), staff.click("#new-closure-title ~ form button")]);
      if (!(await staff.content()).includes('name="confirm"')) fail(`${lang} admin: the closure preview did not show`);
      await axe(staff, `${lang} admin closure preview`);
    }
    if (lang === "en") await shot(staff, `desktop-home-${email.split("@")[0]}`);
    await staff.context().close();
  }
}

await browser.close();
console.log(
  `browser checks: ${pagesChecked} pages under axe, ${pagesValidated} under html-validate, ${failures.length} problems`,
);
process.exit(failures.length === 0 ? 0 : 1);
