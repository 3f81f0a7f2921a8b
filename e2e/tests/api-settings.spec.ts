import { expect, test } from "@playwright/test";

import { SUPER_ADMIN, unique } from "../fixtures/accounts";
import { Api } from "../fixtures/api";
import { CompanyEditPage, signIn } from "../fixtures/pages";

const DELAY_HELP =
  "The recommended interval between subsequent requests to the same endpoint. This is strictly " +
  "enforced by our mobile apps. An empty value allows the apps to decide freely.";

test("API settings: every access type, saved and shown again", async ({ page, request }) => {
  const api = await Api.signIn(request, SUPER_ADMIN);
  const reseller = await api.createReseller(unique("E2E Settings Reseller"), 600);
  const company = await api.createCompany(reseller.id, unique("E2E Settings Co"));
  await signIn(page, SUPER_ADMIN);
  const edit = new CompanyEditPage(page);
  await edit.open(company.id);

  // None: the limit and delay fields are hidden.
  await expect(edit.accessType("None")).toBeChecked();
  await expect(edit.rateLimit()).toHaveCount(0);
  await expect(edit.delay()).toHaveCount(0);

  // Read only, with a limit and a delay.
  await edit.chooseAccess("Read only");
  await expect(edit.rateLimit()).toBeVisible();
  await expect(edit.cap()).toHaveText("At most 600 requests per minute: the reseller's limit.");
  await expect(page.getByText(DELAY_HELP)).toBeVisible();
  await edit.rateLimit().fill("250");
  await edit.delay().fill("3");
  await edit.save();
  await expect(edit.saved()).toBeVisible();
  let saved = await api.company(company.id);
  expect(saved.apiAccessType).toBe("READ_ONLY");
  expect(saved.apiRateLimit).toBe(250);
  expect(saved.apiRequestDelaySeconds).toBe(3);
  // Turning access on enabled the company's API Access flag (seed 000).
  await expect(edit.feature("api_access").getByRole("switch")).toBeChecked();

  // Read/write, and an empty delay lets the apps decide.
  await edit.chooseAccess("Read/write");
  await edit.delay().fill("");
  await edit.save();
  await expect(edit.saved()).toBeVisible();
  saved = await api.company(company.id);
  expect(saved.apiAccessType).toBe("READ_WRITE");
  expect(saved.apiRequestDelaySeconds).toBeNull();

  // The page shows what was saved after a reload.
  await page.reload();
  await expect(edit.accessType("Read/write")).toBeChecked();
  await expect(edit.rateLimit()).toHaveValue("250");
  await expect(edit.delay()).toHaveValue("");

  // Back to None: the fields disappear again.
  await edit.chooseAccess("None");
  await expect(edit.rateLimit()).toHaveCount(0);
  await edit.save();
  await expect(edit.saved()).toBeVisible();
  expect((await api.company(company.id)).apiAccessType).toBe("NONE");
});

test("a rate limit above the reseller's cap is refused by the form and by the server", async ({
  page,
  request,
}) => {
  const api = await Api.signIn(request, SUPER_ADMIN);
  const reseller = await api.createReseller(unique("E2E Cap Reseller"), 100);
  const company = await api.createCompany(reseller.id, unique("E2E Cap Co"));
  await signIn(page, SUPER_ADMIN);
  const edit = new CompanyEditPage(page);
  await edit.open(company.id);
  await edit.chooseAccess("Read/write");
  await expect(edit.cap()).toContainText("At most 100 requests per minute");

  // The form refuses it, names the cap, and sends nothing.
  await edit.rateLimit().fill("101");
  await edit.save();
  await expect(edit.rateLimitError()).toHaveText(
    "rate limit 101 exceeds the reseller's ceiling of 100",
  );
  await expect(edit.rateLimit()).toHaveAttribute("aria-invalid", "true");
  expect((await api.company(company.id)).apiAccessType).toBe("NONE");

  // Editing the field clears the message.
  await edit.rateLimit().fill("90");
  await expect(edit.rateLimitError()).toHaveCount(0);

  // The reseller's ceiling drops while the page is open: the form still allows 90, the server
  // refuses it, and its message appears next to the field.
  await api.setResellerRateLimit(reseller.id, 50);
  await edit.save();
  await expect(edit.rateLimitError()).toHaveText(
    "rate limit 90 exceeds the reseller's ceiling of 50",
  );
  expect((await api.company(company.id)).apiRateLimit).toBe(60);
  // The page re-reads the ceiling: the hint and the form's own check now say 50.
  await expect(edit.cap()).toContainText("At most 50 requests per minute");
  await edit.rateLimit().fill("51");
  await edit.save();
  await expect(edit.rateLimitError()).toHaveText(
    "rate limit 51 exceeds the reseller's ceiling of 50",
  );

  // Bad input is caught too.
  await edit.rateLimit().fill("");
  await edit.save();
  await expect(edit.rateLimitError()).toContainText("rate limit is required");
  await edit.delay().fill("-1");
  await edit.rateLimit().fill("40");
  await edit.save();
  await expect(page.locator("#api-delay-error")).toContainText("negative");
  await edit.delay().fill("");
  await edit.save();
  await expect(edit.saved()).toBeVisible();
  expect((await api.company(company.id)).apiRateLimit).toBe(40);
});
