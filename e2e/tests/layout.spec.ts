import { expect, test } from "@playwright/test";

import { SUPER_ADMIN } from "../fixtures/accounts";
import { Api } from "../fixtures/api";
import { CompanyEditPage, signIn } from "../fixtures/pages";

test.describe("at 390 px wide", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("the menu folds away and pages fit the screen", async ({ page, request }) => {
    const api = await Api.signIn(request, SUPER_ADMIN);
    const acme = await api.companyByName("Acme Manufacturing");
    const shell = await signIn(page, SUPER_ADMIN);
    await expect(shell.nav()).toBeHidden();
    await page.getByRole("button", { name: "Menu" }).click();
    await expect(shell.nav()).toBeVisible();
    await shell.go("Companies");
    await expect(page.getByRole("heading", { name: "Companies" })).toBeVisible();
    await expect(shell.nav()).toBeHidden();

    const edit = new CompanyEditPage(page);
    await edit.open(acme.id);
    await expect(edit.rateLimit()).toBeVisible();
    const overflow = await page.evaluate(
      () => document.scrollingElement!.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });
});

test("forms work from the keyboard alone", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("E-mail").focus();
  await page.keyboard.type(SUPER_ADMIN.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(SUPER_ADMIN.password);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("user-name")).toHaveText("Super admin");

  // A dialog closes with Escape.
  await page.goto("/resellers");
  await page.getByRole("button", { name: "New reseller" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);
});
