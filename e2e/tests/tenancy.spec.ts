import { expect, test } from "@playwright/test";

import { SUPER_ADMIN, unique } from "../fixtures/accounts";
import { Api } from "../fixtures/api";
import { CompanyEditPage, signIn } from "../fixtures/pages";

test("create a reseller; its ceiling is checked against 1,200", async ({ page }) => {
  const shell = await signIn(page, SUPER_ADMIN);
  await shell.go("Resellers");
  await page.getByRole("button", { name: "New reseller" }).click();
  const dialog = page.getByRole("dialog", { name: "New reseller" });
  const name = unique("E2E Reseller");
  await dialog.getByLabel("Name").fill(name);
  const ceiling = dialog.getByLabel("API rate-limit ceiling (requests per minute)");
  await expect(ceiling).toHaveValue("60");

  await ceiling.fill("1201");
  await dialog.getByRole("button", { name: "Create reseller" }).click();
  await expect(dialog.locator("#new-reseller-rate-error")).toContainText("1200");

  await ceiling.fill("300");
  await dialog.getByRole("button", { name: "Create reseller" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page).toHaveURL(/\/resellers\/[0-9a-f-]{36}$/);
  await expect(page.getByLabel("API rate-limit ceiling (requests per minute)")).toHaveValue("300");

  // Listed, with its ceiling.
  await shell.go("Resellers");
  await page.getByLabel("Search resellers").fill(name);
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("300/min");
});

test("create a company under a reseller, then find it by searching", async ({ page }) => {
  const shell = await signIn(page, SUPER_ADMIN);
  await shell.go("Companies");
  await page.getByRole("button", { name: "New company" }).click();
  const dialog = page.getByRole("dialog", { name: "New company" });
  await dialog.getByRole("button", { name: "Create company" }).click();
  await expect(dialog.locator("#new-company-name-error")).toContainText("must not be empty");

  const name = unique("E2E Company");
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Reseller").selectOption({ label: "Northwind Partners" });
  await dialog.getByRole("button", { name: "Create company" }).click();

  const edit = new CompanyEditPage(page);
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.getByText("Reseller: Northwind Partners")).toBeVisible();
  await expect(edit.accessType("None")).toBeChecked();

  await shell.go("Companies");
  await page.getByLabel("Search companies").fill(name);
  await expect(page.getByRole("row")).toHaveCount(2); // header + the one match
  await expect(page.getByRole("link", { name })).toBeVisible();
  await page.getByLabel("Search companies").fill("no company is called this");
  await expect(page.getByRole("heading", { name: "No companies" })).toBeVisible();
});

test("the companies list pages through a search's results", async ({ page, request }) => {
  const api = await Api.signIn(request, SUPER_ADMIN);
  const reseller = await api.createReseller(unique("E2E Paging Reseller"), 60);
  const prefix = unique("Paging").replace(/\s+/g, "-");
  for (let i = 0; i < 22; i++) {
    await api.createCompany(reseller.id, `${prefix} ${String(i).padStart(2, "0")}`);
  }
  const shell = await signIn(page, SUPER_ADMIN);
  await shell.go("Companies");
  await page.getByLabel("Search companies").fill(prefix);
  await expect(page.getByText("22 companies")).toBeVisible();
  await expect(page.getByText("Page 1 of 2")).toBeVisible();
  await expect(page.getByRole("row")).toHaveCount(21); // header + 20
  await expect(page.getByRole("button", { name: "← Previous" })).toBeDisabled();

  await page.getByRole("button", { name: "Next →" }).click();
  await expect(page.getByText("Page 2 of 2")).toBeVisible();
  await expect(page.getByRole("row")).toHaveCount(3);
  await expect(page.getByRole("link", { name: `${prefix} 21` })).toBeVisible();
  await expect(page.getByRole("button", { name: "Next →" })).toBeDisabled();

  await page.getByRole("button", { name: "← Previous" }).click();
  await expect(page.getByText("Page 1 of 2")).toBeVisible();
  await expect(page.getByRole("link", { name: `${prefix} 00` })).toBeVisible();
});
