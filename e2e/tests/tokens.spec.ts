/**
 * Partner API Tokens (seeds 000, 002; SPEC §3.1): a user generates a personal access token,
 * copies it from the show-once dialog, and a script uses it on the REST API and on GraphQL; the
 * list shows it masked, with its last use; the name filter narrows the list; revoking it (after
 * a confirmation) makes both APIs refuse it.
 */
import { expect, test } from "@playwright/test";

import { COMPANY_ADMIN, unique } from "../fixtures/accounts";
import { Api } from "../fixtures/api";
import { signIn } from "../fixtures/pages";
import { pageScreenshot } from "../fixtures/screenshots";
import {
  NAME_HELP,
  TOKENS_HELP,
  TokensPage,
  expectRefused,
  graphqlMe,
  localDatePlus,
  publicIdOf,
  restGet,
  secretOf,
} from "../fixtures/tokens";

// The Copy button writes to the clipboard; the test reads it back.
test.use({ permissions: ["clipboard-read", "clipboard-write"] });

test("a token is generated, copied, used on REST and GraphQL, filtered and revoked", async ({
  page,
  request,
}, testInfo) => {
  const shell = await signIn(page, COMPANY_ADMIN);
  await shell.go("Partner API Tokens");
  const tokens = new TokensPage(page);
  await expect(tokens.heading()).toBeVisible();
  await expect(page.getByTestId("tokens-help")).toHaveText(TOKENS_HELP);
  await expect(page.getByRole("link", { name: "API documentation" })).toHaveAttribute("href", "/api/docs");

  // Generate token: the Name field carries the seed's help text.
  const name = unique("Reporting Script");
  const dialog = await tokens.openGenerate();
  await expect(dialog.getByText(NAME_HELP)).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await tokens.generate(name);
  await expect(tokens.createdDialog()).toContainText("it will not be shown again");
  const token = await tokens.copyToken();
  await pageScreenshot(page, testInfo, "tokens-new-token");
  await tokens.closeCreated();

  // Listed masked: the public id shows, the secret never does; never used yet.
  const row = tokens.row(name);
  await expect(row).toContainText(`pat_${publicIdOf(token)}_`);
  await expect(row).toContainText("never");
  await expect(row).toContainText("No expiration");
  expect(await page.content()).not.toContain(secretOf(token));

  // A script uses it: Acme has API access (read/write), and the token is its admin's.
  const employees = await restGet(request, "/api/v1/employees", token);
  expect(employees.status()).toBe(200);
  expect((await employees.json()).data.length).toBeGreaterThan(0);
  const me = await graphqlMe(request, token);
  expect(me.body.errors).toBeUndefined();
  expect(me.body.data.me.email).toBe(COMPANY_ADMIN.email);
  await tokens.expectLastUsed(name, /^(just now|\d+ minutes? ago)$/);

  // A second token, made by a script with the session; the newest comes first.
  const other = unique("Nightly Export");
  const api = await Api.signIn(request, COMPANY_ADMIN);
  await api.gql("mutation($i: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $i) { token } }", {
    i: { name: other },
  });
  await page.reload();
  await expect(tokens.row(other)).toBeVisible();
  const names = await tokens.rows().locator(".token-name").allTextContents();
  expect(names.indexOf(other)).toBeLessThan(names.indexOf(name));

  // The name filter narrows the list (part of the name, any case).
  await tokens.filter(name.slice(0, 14).toLowerCase());
  await expect(tokens.row(name)).toBeVisible();
  await expect(tokens.row(other)).toHaveCount(0);
  await tokens.filter("no token is called this");
  await expect(page.getByText("No token matches this name.")).toBeVisible();
  await tokens.filter("");
  await expect(tokens.row(other)).toBeVisible();
  await pageScreenshot(page, testInfo, "tokens");

  // A name already used is refused beside the field.
  const again = await tokens.openGenerate();
  await tokens.fillForm(again, "Name", name);
  await again.getByRole("button", { name: "Generate token" }).click();
  await expect(again.locator("#new-token-name-error")).toHaveText("Token already exists");
  await again.getByRole("button", { name: "Cancel" }).click();

  // Revoke asks first; Cancel keeps the token.
  await tokens.row(name).getByRole("button", { name: "Revoke" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke this token?" });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(tokens.row(name)).toBeVisible();
  expect((await restGet(request, "/api/v1/employees", token)).status()).toBe(200);

  await tokens.revoke(name, "Revoke");
  await expect(page.getByRole("status").filter({ hasText: "revoked" })).toBeVisible();
  await expectRefused(request, token, "/api/v1/employees");
  await expect(tokens.row(other)).toBeVisible();
});

test("a token with an expiry date shows its expiry status", async ({ page }) => {
  await signIn(page, COMPANY_ADMIN);
  const tokens = new TokensPage(page);
  await tokens.open();

  // A date in the past is refused beside the field, before anything is sent.
  const dialog = await tokens.openGenerate();
  await tokens.fillForm(dialog, "Name", unique("Too late"), localDatePlus(-1));
  await dialog.getByRole("button", { name: "Generate token" }).click();
  await expect(dialog.getByText("The expiration date must be today or later.")).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();

  const name = unique("Quarterly Audit");
  await tokens.generate(name, localDatePlus(3));
  await tokens.shownToken();
  await tokens.closeCreated();
  const row = tokens.row(name);
  await expect(row).toContainText("Expires in 3 days");
  await expect(row).toContainText(localDatePlus(3));
  await tokens.revoke(name, "Revoke");
});
