import { expect, test } from "@playwright/test";

import { COMPANY_ADMIN, RESELLER_ADMIN, SUPER_ADMIN } from "../fixtures/accounts";
import { signIn } from "../fixtures/pages";

test("a super admin sees every section", async ({ page }) => {
  const shell = await signIn(page, SUPER_ADMIN);
  await expect(shell.navLinks()).toHaveText([
    "Resellers",
    "Companies",
    "Users",
    "Roles",
    "Visibility groups",
    "API Logs",
    "Partner API Tokens",
    "Settings",
    "Global Settings",
  ]);
});

test("a reseller admin sees the hub, without creating resellers", async ({ page }) => {
  const shell = await signIn(page, RESELLER_ADMIN);
  await expect(shell.nav().getByRole("link", { name: "Companies" })).toBeVisible();
  await shell.go("Resellers");
  await expect(page.getByRole("heading", { name: "Resellers" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Northwind Partners" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Contoso Channel" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "New reseller" })).toHaveCount(0);
});

test("a company admin does not see hub pages", async ({ page }) => {
  const shell = await signIn(page, COMPANY_ADMIN);
  await expect(shell.navLinks()).toHaveText([
    "Users",
    "Roles",
    "Visibility groups",
    "API Logs",
    "Partner API Tokens",
    "Settings",
  ]);
  await expect(shell.nav().getByRole("link", { name: "Companies" })).toHaveCount(0);
  await expect(shell.nav().getByRole("link", { name: "Resellers" })).toHaveCount(0);

  // Typing the address does not help either.
  await page.goto("/companies");
  await expect(page.getByRole("heading", { name: "Not available" })).toBeVisible();
  await page.goto("/resellers");
  await expect(page.getByRole("heading", { name: "Not available" })).toBeVisible();

  // The company's own users are there.
  await shell.go("Users");
  await expect(page.getByRole("cell", { name: COMPANY_ADMIN.email })).toBeVisible();
});

test("client-side routes survive a reload", async ({ page }) => {
  await signIn(page, SUPER_ADMIN);
  await page.goto("/companies");
  await expect(page.getByRole("heading", { name: "Companies" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("heading", { name: "Companies" })).toBeVisible();
});

test("every page runs under the strict Content-Security-Policy, with no violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const response = await page.goto("/login");
  const csp = response?.headers()["content-security-policy"] ?? "";
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
  expect(response?.headers()["x-content-type-options"]).toBe("nosniff");

  const shell = await signIn(page, SUPER_ADMIN);
  for (const [label, heading] of [
    ["Companies", "Companies"],
    ["API Logs", "API Logs"],
    ["Partner API Tokens", "Partner API Tokens"],
    ["Settings", "Settings"],
    ["Global Settings", "API Management"],
  ]) {
    await shell.nav().getByRole("link", { name: label, exact: true }).click();
    await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
  }
  // The charts (inline style attributes, SVG) have drawn by now.
  await shell.nav().getByRole("link", { name: "API Logs", exact: true }).click();
  await expect(page.getByRole("img").first()).toBeVisible();
  // A reload revalidates index.html (304): the app must start again under the same policy.
  await page.reload();
  await expect(page.getByRole("heading", { name: "API Logs", exact: true })).toBeVisible();
  expect(violations).toEqual([]);
});
