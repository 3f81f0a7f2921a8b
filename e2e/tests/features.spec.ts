import { expect, test } from "@playwright/test";

import { SUPER_ADMIN, unique } from "../fixtures/accounts";
import { Api } from "../fixtures/api";
import { CompanyEditPage, signIn } from "../fixtures/pages";

test("a flag enabled on the company but off for its reseller shows as funnelled", async ({
  page,
  request,
}) => {
  // Demo data: Umbrella Health has API Access on, its reseller Contoso Channel has it off.
  const api = await Api.signIn(request, SUPER_ADMIN);
  const umbrella = await api.companyByName("Umbrella Health");
  await signIn(page, SUPER_ADMIN);
  const edit = new CompanyEditPage(page);
  await edit.open(umbrella.id);
  const flag = edit.feature("api_access");
  await expect(flag.getByRole("switch")).toBeChecked();
  await expect(flag.getByTestId("feature-status")).toHaveText(
    "Enabled here, but off for the reseller",
  );
});

test("turning the reseller's flag on makes the company's effective; turning it off asks first", async ({
  page,
  request,
}) => {
  const api = await Api.signIn(request, SUPER_ADMIN);
  const resellerName = unique("E2E Flag Reseller");
  const reseller = await api.createReseller(resellerName, 120);
  await api.setResellerFeature(reseller.id, "api_access", false);
  const company = await api.createCompany(reseller.id, unique("E2E Flag Co"));
  await signIn(page, SUPER_ADMIN);
  const edit = new CompanyEditPage(page);
  await edit.open(company.id);
  const flag = edit.feature("api_access");

  await expect(flag.getByTestId("feature-status")).toHaveText("Off");
  await flag.getByRole("switch").check();
  await expect(flag.getByTestId("feature-status")).toHaveText(
    "Enabled here, but off for the reseller",
  );

  // On the reseller's page, turn it on.
  await page.goto(`/resellers/${reseller.id}`);
  await expect(page.getByRole("heading", { name: resellerName })).toBeVisible();
  await page.getByTestId("feature-api_access").getByRole("switch").check();
  await expect(page.getByTestId("feature-api_access").getByRole("switch")).toBeChecked();

  await edit.open(company.id);
  await expect(flag.getByTestId("feature-status")).toHaveText("Active");
  expect((await api.company(company.id)).features[0].effective).toBe(true);

  // Turning it off is destructive: a confirmation first; Cancel keeps it on.
  await flag.getByRole("switch").uncheck();
  const dialog = page.getByRole("dialog", { name: "Turn off API Access?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(flag.getByRole("switch")).toBeChecked();
  expect((await api.company(company.id)).features[0].enabled).toBe(true);

  await flag.getByRole("switch").uncheck();
  await page.getByRole("dialog").getByRole("button", { name: "Turn off" }).click();
  await expect(flag.getByTestId("feature-status")).toHaveText("Off");
  expect((await api.company(company.id)).features[0].enabled).toBe(false);
});
