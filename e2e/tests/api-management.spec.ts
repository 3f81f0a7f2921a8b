/**
 * Global Settings → API Management (seed 003): super admins only. The API URLs come from the
 * server's OpenAPI document; a token is created with an expiration, shown once, works on the
 * hub's REST endpoints, is listed with its expiration status and is deleted after a confirmation.
 */
import { expect, test } from "@playwright/test";

import { COMPANY_ADMIN, RESELLER_ADMIN, SUPER_ADMIN, unique } from "../fixtures/accounts";
import { signIn } from "../fixtures/pages";
import { pageScreenshot } from "../fixtures/screenshots";
import { ApiManagementPage, expectRefused, localDatePlus, restGet } from "../fixtures/tokens";

test("only super admins have Global Settings", async ({ page }) => {
  for (const account of [COMPANY_ADMIN, RESELLER_ADMIN]) {
    const shell = await signIn(page, account);
    await expect(shell.nav().getByRole("link", { name: "Partner API Tokens" })).toBeVisible();
    await expect(shell.nav().getByRole("link", { name: "Global Settings" })).toHaveCount(0);
    await page.goto(ApiManagementPage.PATH);
    await expect(page.getByRole("heading", { name: "Not available" })).toBeVisible();
    await shell.signOut();
  }
});

test("a super admin lists the API URLs, creates a token with an expiration and deletes it", async ({
  page,
  request,
}, testInfo) => {
  const shell = await signIn(page, SUPER_ADMIN);
  await shell.go("Global Settings");
  const mgmt = new ApiManagementPage(page);
  await expect(page).toHaveURL(ApiManagementPage.PATH);
  await expect(mgmt.heading()).toBeVisible();

  // API URLs: every endpoint of the OpenAPI document, grouped by resource.
  const doc = await (await request.get("/api/v1/openapi.json")).json();
  const operations = Object.values(doc.paths as Record<string, object>).reduce(
    (n, item) => n + Object.keys(item).filter((k) => ["get", "post", "put", "patch", "delete"].includes(k)).length,
    0,
  );
  await expect(mgmt.endpoints()).toHaveCount(operations);
  await expect(mgmt.endpoint("GET", "/api/v1/employees")).toHaveCount(1);
  await expect(mgmt.endpoint("DELETE", "/api/v1/employees/{id}")).toHaveCount(1);
  await expect(mgmt.endpoint("GET", "/api/v1/documents/{id}/download")).toHaveCount(1);
  await expect(mgmt.section("API URLs").getByRole("heading", { name: "Employees" })).toBeVisible();
  await expect(page.getByTestId("api-base-url")).toHaveText(new URL("/api/v1", page.url()).href);

  // API usage docs.
  const docs = mgmt.section("API usage docs").getByRole("link", { name: "View Documentation" });
  await expect(docs).toHaveAttribute("href", "/api/docs");
  expect((await request.get("/api/docs")).status()).toBe(200);

  // Token creation with an expiration; the token is shown once, and works on the hub endpoints.
  const name = unique("ERP Integration");
  await mgmt.create(name, localDatePlus(10));
  await expect(mgmt.createdDialog()).toContainText("it will not be shown again");
  const token = await mgmt.shownToken();
  await mgmt.closeCreated();
  const companies = await restGet(request, "/api/v1/companies", token);
  expect(companies.status()).toBe(200);
  expect((await companies.json()).data.length).toBeGreaterThan(0);

  // Existing API tokens: the form is cleared, the token listed with its expiration status.
  await expect(mgmt.section("Token creation").getByLabel("Token name")).toHaveValue("");
  const row = mgmt.row(name);
  await expect(row).toContainText("Expires in 10 days");
  await expect(row).toContainText(localDatePlus(10));
  await mgmt.expectLastUsed(name, /^(just now|\d+ minutes? ago)$/);
  await pageScreenshot(page, testInfo, "api-management");

  // Delete asks first; then the token stops working.
  await mgmt.revoke(name, "Delete");
  await expectRefused(request, token, "/api/v1/companies");
});
