import { expect, test } from "@playwright/test";

import { unique } from "../fixtures/accounts";
import {
  ApiKeysPage,
  companyWithApiAccess,
  restGet,
  restPost,
  screenshotFromTop,
} from "../fixtures/credentials";
import { signIn } from "../fixtures/pages";

const DEFAULT_FIELDS =
  "If you do not choose to restrict the fields the key can access, the key will be able to access ALL fields.";

test("a company admin generates a key limited to two employee fields, deletes keys and revokes them all", async ({
  page,
  request,
}, testInfo) => {
  const company = await companyWithApiAccess(request);
  const shell = await signIn(page, company.admin);
  await shell.go("Settings");
  await page.getByRole("link", { name: /API V2 keys/ }).click();
  const keys = new ApiKeysPage(page);
  await keys.expectLoaded();
  await expect(page.getByText(DEFAULT_FIELDS).first()).toBeVisible();
  await expect(page.getByText(/NOT possible to limit key access to a sub set of employees/).first()).toBeVisible();
  await expect(page.getByRole("heading", { name: "No keys" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Revoke ALL keys" })).toBeDisabled();

  // Only the actions an endpoint has can be ticked.
  await expect(keys.action("Company", "Read")).toBeEnabled();
  await expect(keys.action("Company", "Create")).toBeDisabled();
  await expect(keys.action("Employees", "Download")).toBeDisabled();
  await expect(keys.action("Documents", "Download")).toBeEnabled();
  await expect(keys.action("Documents", "Update")).toBeDisabled();

  // Nothing chosen: the form says so, with the server's words.
  await page.getByLabel("Key name").fill("nothing");
  await page.getByRole("button", { name: "Generate key" }).click();
  await expect(page.locator("#grants-error")).toContainText("choose at least one endpoint");

  // Employees: Read, first and last name only.
  await keys.action("Employees", "Read").check();
  await expect(keys.fieldsButton("Employees")).toHaveText("All fields");
  await keys.chooseFields("Employees", ["first_name", "last_name"]);
  await expect(keys.fieldsButton("Employees")).toHaveText("2 of 10 fields");
  const nameOnly = unique("Calendar");
  const key = await keys.generate(nameOnly);
  expect(key).toMatch(/^key_/);
  await expect(keys.row(nameOnly)).toContainText("Employees");
  await screenshotFromTop(page, testInfo, "api-keys");

  // The key sees those two fields only, and cannot create.
  const list = await restGet(request, "/api/v1/employees", key);
  expect(list.status(), await list.text()).toBe(200);
  const data = (await list.json()).data;
  expect(data.length).toBeGreaterThan(0);
  for (const e of data) {
    expect(Object.keys(e).sort()).toEqual(["first_name", "last_name"]);
  }
  const post = await restPost(request, "/api/v1/employees", key, { first_name: "A", last_name: "B" });
  expect(post.status()).toBe(403);
  expect((await restGet(request, "/api/v1/company", key)).status()).toBe(403);

  // (i) shows the grants.
  const details = await keys.details(nameOnly);
  await expect(details.getByRole("row").filter({ hasText: "Employees" })).toContainText("Read");
  await expect(details.getByRole("row").filter({ hasText: "Employees" })).toContainText("First name, Last name");
  await screenshotFromTop(page, testInfo, "api-keys-details");
  await details.getByRole("button", { name: "Close" }).last().click();
  await expect(details).toHaveCount(0);

  // Two more keys; delete one.
  await keys.action("Company", "Read").check();
  const companyKeyName = unique("Company reader");
  const companyKey = await keys.generate(companyKeyName);
  expect((await restGet(request, "/api/v1/company", companyKey)).status()).toBe(200);
  await keys.action("Users", "Read").check();
  const usersKeyName = unique("Directory");
  const usersKey = await keys.generate(usersKeyName);
  expect((await restGet(request, "/api/v1/users", usersKey)).status()).toBe(200);

  await keys.delete(companyKeyName);
  expect((await restGet(request, "/api/v1/company", companyKey)).status()).toBe(401);
  expect((await restGet(request, "/api/v1/users", usersKey)).status()).toBe(200);

  // Revoke ALL keys: every key fails at once.
  await keys.revokeAll();
  await expect(page.getByText("2 keys were revoked")).toBeVisible();
  await expect(page.getByRole("heading", { name: "No keys" })).toBeVisible();
  expect((await restGet(request, "/api/v1/employees", key)).status()).toBe(401);
  expect((await restGet(request, "/api/v1/users", usersKey)).status()).toBe(401);
});

test("a company member has no settings", async ({ page }) => {
  const shell = await signIn(page, { email: "member@acme.example", password: "portcullis-demo" });
  await expect(shell.nav().getByRole("link", { name: "Settings" })).toHaveCount(0);
  await page.goto("/settings/api-keys");
  await expect(
    page.getByText("API keys can only be added and administered by Administrator level users."),
  ).toBeVisible();
  await page.goto("/settings/partner-api");
  await expect(page.getByRole("heading", { name: "Not available" })).toBeVisible();
});

test("least privilege: a key narrowed to what it used loses the rest", async ({ page, request }, testInfo) => {
  const company = await companyWithApiAccess(request);
  await signIn(page, company.admin);
  const keys = new ApiKeysPage(page);
  await keys.open();
  await keys.action("Employees", "Read").check();
  await keys.action("Employees", "Create").check();
  await keys.action("Employee time off", "Read").check();
  const name = unique("Sync");
  const key = await keys.generate(name);

  // Unused so far: nothing to learn from, so narrowing is not offered.
  let details = await keys.details(name);
  await expect(details.getByTestId("usage-not-offered")).toContainText("No requests in the last 30 days");
  await expect(details.getByRole("button", { name: "Narrow to what was used" })).toHaveCount(0);
  await details.getByRole("button", { name: "Close" }).last().click();

  // The integration only ever reads employees.
  for (let i = 0; i < 2; i++) {
    expect((await restGet(request, "/api/v1/employees", key)).status()).toBe(200);
  }

  // The request logs are written in the background: reopen until they show.
  await expect(async () => {
    if (await details.count()) {
      await details.getByRole("button", { name: "Close" }).last().click();
    }
    details = await keys.details(name);
    await expect(details.getByTestId("usage-summary")).toContainText("2 requests", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(details.getByTestId("usage-used")).toContainText("Employees: Read");
  const unused = details.getByTestId("usage-unused");
  await expect(unused).toContainText("Employees: Create");
  await expect(unused).toContainText("Employee time off: Read");
  await screenshotFromTop(page, testInfo, "api-keys-usage");

  // The confirmation lists exactly what goes.
  await details.getByRole("button", { name: "Narrow to what was used" }).click();
  const confirm = page.getByRole("dialog", { name: `Narrow ${name} to what was used?` });
  await expect(confirm.getByTestId("narrow-removed").getByRole("listitem")).toHaveText([
    "Employees: Create",
    "Employee time off: Read",
  ]);
  await confirm.getByRole("button", { name: "Remove 2 unused" }).click();
  await expect(confirm).toHaveCount(0);

  // The key keeps only what it used.
  await expect(details.locator(".grants-table tbody tr")).toHaveCount(1);
  await expect(details.locator(".grants-table tbody tr")).toContainText("Employees");
  await expect(details.getByTestId("usage-not-offered")).toContainText("Everything granted was used");
  expect((await restGet(request, "/api/v1/employees", key)).status()).toBe(200);
  expect((await restPost(request, "/api/v1/employees", key, { first_name: "A", last_name: "B" })).status()).toBe(403);
  expect((await restGet(request, "/api/v1/time-off", key)).status()).toBe(403);
});
