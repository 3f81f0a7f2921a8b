import { expect, test } from "@playwright/test";

import { SUPER_ADMIN, unique } from "../fixtures/accounts";
import {
  PartnerApiPage,
  accessToken,
  companyWithApiAccess,
  requestToken,
  restGet,
  screenshotFromTop,
} from "../fixtures/credentials";
import { signIn } from "../fixtures/pages";

test("a company admin creates credentials, gets a token with them, regenerates and revokes them", async ({
  page,
  request,
}, testInfo) => {
  const company = await companyWithApiAccess(request);
  const shell = await signIn(page, company.admin);
  await shell.go("Settings");
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
  await screenshotFromTop(page, testInfo, "settings");
  await page.getByRole("main").getByRole("link", { name: /Partner API/ }).click();
  const partner = new PartnerApiPage(page);
  await partner.expectLoaded();
  await expect(page.getByRole("link", { name: "← Back to Settings" })).toHaveAttribute("href", "/settings");
  await expect(page.getByRole("link", { name: /API documentation/ })).toHaveAttribute("href", "/api/docs");

  // Nothing yet: the empty state, with its own Create credentials button in the middle.
  await expect(partner.emptyState()).toContainText("No credentials yet");
  await screenshotFromTop(page, testInfo, "partner-api-empty");
  const name = unique("Payroll sync");
  await partner.create(name, undefined, partner.emptyState().getByRole("button", { name: "Create credentials" }));

  // The show-once dialog: client id, secret, how to get a token.
  const dialog = partner.dialog("Credentials created");
  await expect(dialog).toContainText("POST /oauth/token");
  await expect(dialog).toContainText("Company admin");
  const first = await partner.readSecret("Credentials created");
  expect(first.clientId).toMatch(/^cli_/);
  expect(first.clientSecret).toMatch(/^pcs_/);
  await screenshotFromTop(page, testInfo, "partner-api-secret");
  await partner.closeSecret("Credentials created");

  const row = partner.row(name);
  await expect(row).toContainText(first.clientId);
  await expect(row).toContainText("Company admin");
  await expect(row).toContainText("never");
  await expect(row).toContainText("Active");
  await expect(partner.emptyState()).toHaveCount(0);

  // An integration exchanges the credentials for an access token and calls the API with it.
  const token = await accessToken(request, first.clientId, first.clientSecret);
  const employees = await restGet(request, "/api/v1/employees", token);
  expect(employees.status(), await employees.text()).toBe(200);
  expect((await employees.json()).data.map((e: { last_name: string }) => e.last_name)).toContain("Lovelace");
  await page.reload();
  await expect(partner.row(name)).toContainText("just now");
  await screenshotFromTop(page, testInfo, "partner-api");

  // Details.
  await partner.row(name).getByRole("button", { name: `Details of ${name}` }).click();
  const details = partner.dialog(`Credentials: ${name}`);
  await expect(details).toContainText(first.clientId);
  await expect(details).toContainText("pcs_");
  await expect(details).not.toContainText(first.clientSecret);
  await expect(details).toContainText("Company admin");
  await screenshotFromTop(page, testInfo, "partner-api-details");
  await details.getByRole("button", { name: "Close" }).first().click();
  await expect(details).toHaveCount(0);

  // Regenerate without a grace period: the new secret works, the old one and its token do not.
  const second = await partner.regenerate(name);
  expect(second.clientId).toBe(first.clientId);
  expect(second.clientSecret).not.toBe(first.clientSecret);
  const refused = await requestToken(request, first.clientId, first.clientSecret);
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error).toBe("invalid_client");
  expect((await restGet(request, "/api/v1/employees", token)).status()).toBe(401);
  const fresh = await accessToken(request, second.clientId, second.clientSecret);
  expect((await restGet(request, "/api/v1/employees", fresh)).status()).toBe(200);

  // Revoke: the secret and the tokens issued with it stop working.
  await partner.revoke(name);
  await expect(partner.row(name).getByRole("button", { name: "Regenerate secret" })).toHaveCount(0);
  expect((await restGet(request, "/api/v1/employees", fresh)).status()).toBe(401);
  expect((await requestToken(request, second.clientId, second.clientSecret)).status()).toBe(401);
});

test("a hub user manages a company's credentials from its edit page, with a narrower role", async ({
  page,
  request,
}) => {
  const company = await companyWithApiAccess(request);
  await signIn(page, SUPER_ADMIN);
  await page.goto(`/companies/${company.id}`);
  await page.getByRole("main").getByRole("link", { name: "Partner API", exact: true }).click();
  const partner = new PartnerApiPage(page);
  await partner.expectLoaded();
  await expect(page).toHaveURL(new RegExp(`/settings/partner-api\\?company=${company.id}$`));
  await expect(page.getByTestId("settings-company")).toContainText(company.name);
  await expect(partner.emptyState()).toBeVisible();

  const name = unique("Read-only reporting");
  await partner.create(name, "Company member");
  const issued = await partner.readSecret("Credentials created");
  await partner.closeSecret("Credentials created");
  await expect(partner.row(name)).toContainText("Company member");

  // The role bounds the token: members read employees but cannot create them.
  const token = await accessToken(request, issued.clientId, issued.clientSecret);
  expect((await restGet(request, "/api/v1/employees", token)).status()).toBe(200);
  const post = await request.post("/api/v1/employees", {
    headers: { Authorization: `Bearer ${token}` },
    data: { first_name: "Not", last_name: "Allowed" },
  });
  expect(post.status()).toBe(403);

  // Back to Settings keeps the company.
  await page.getByRole("link", { name: "← Back to Settings" }).click();
  await expect(page).toHaveURL(new RegExp(`/settings\\?company=${company.id}$`));
  await expect(page.getByRole("link", { name: /API V2 keys/ })).toBeVisible();
  await expect(page.getByRole("main").getByRole("link", { name: /Partner API/ })).toHaveAttribute(
    "href",
    `/settings/partner-api?company=${company.id}`,
  );
});

test("least privilege: credentials narrowed to the permissions they used", async ({ page, request }, testInfo) => {
  const company = await companyWithApiAccess(request);
  await signIn(page, company.admin);
  const partner = new PartnerApiPage(page);
  await partner.open();
  const name = unique("Reporting");
  await partner.create(name);
  const issued = await partner.readSecret("Credentials created");
  await partner.closeSecret("Credentials created");

  // A read-only integration with the all-powerful Company admin role.
  const token = await accessToken(request, issued.clientId, issued.clientSecret);
  expect((await restGet(request, "/api/v1/employees", token)).status()).toBe(200);

  const details = partner.dialog(`Credentials: ${name}`);
  await expect(async () => {
    if (await details.count()) {
      await details.getByRole("button", { name: "Close" }).last().click();
    }
    await partner.row(name).getByRole("button", { name: `Details of ${name}` }).click();
    await expect(details.getByTestId("usage-summary")).toContainText("1 request", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(details.getByTestId("usage-used")).toContainText("employees.read");
  await expect(details.getByTestId("usage-unused")).toContainText("employees.create");
  await screenshotFromTop(page, testInfo, "partner-api-usage");

  await details.getByRole("button", { name: "Narrow to what was used" }).click();
  const confirm = partner.dialog(`Narrow ${name} to what was used?`);
  await expect(confirm.getByTestId("narrow-removed")).toContainText("employees.create");
  await expect(confirm.getByTestId("narrow-removed")).not.toContainText("employees.read");
  await expect(confirm.getByLabel("Name of the new role")).toHaveValue(`${name} – least privilege`);
  await confirm.getByRole("button", { name: /^Remove \d+ unused$/ }).click();
  await expect(confirm).toHaveCount(0);
  await expect(details.getByTestId("credential-role")).toHaveText(`${name} – least privilege`);
  await details.getByRole("button", { name: "Close" }).last().click();
  await expect(partner.row(name)).toContainText(`${name} – least privilege`);

  // The token already issued keeps reading but lost everything else at once.
  expect((await restGet(request, "/api/v1/employees", token)).status()).toBe(200);
  const post = await request.post("/api/v1/employees", {
    headers: { Authorization: `Bearer ${token}` },
    data: { first_name: "Not", last_name: "Allowed" },
  });
  expect(post.status()).toBe(403);
});
