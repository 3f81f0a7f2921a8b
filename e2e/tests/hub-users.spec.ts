import { expect, test } from "@playwright/test";

import { COMPANY_ADMIN, SUPER_ADMIN, unique } from "../fixtures/accounts";
import { Shell, UsersPage, signIn } from "../fixtures/pages";

function email(prefix: string): string {
  return `${prefix}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}@e2e.example`;
}

// Hub staff are created from the UI too: a reseller admin for a reseller, who then manages only
// that reseller's companies.
test("a super admin creates a reseller admin, who sees only their reseller's companies", async ({ page }) => {
  let shell: Shell = await signIn(page, SUPER_ADMIN);
  await shell.go("Users");
  const users = new UsersPage(page);
  const dialog = await users.openNew();
  await expect(users.kindChoices()).toHaveCount(3);

  // Reseller staff need a reseller and a reseller role; the form checks before sending.
  await dialog.getByRole("radio", { name: "Reseller staff" }).check();
  await expect(dialog.getByLabel("Company", { exact: true })).toHaveCount(0);
  await expect(dialog.getByLabel("Role", { exact: true }).locator("option")).toHaveText([
    "Choose a role…",
    "Reseller admin",
  ]);
  await users.submitNew();
  await expect(dialog.locator("#user-role-error")).toHaveText("Choose a role.");

  // The server's refusal lands next to its field.
  const account = { email: email("contoso.admin"), password: "a long enough password" };
  await users.fill({
    reseller: "Contoso Channel",
    email: COMPANY_ADMIN.email,
    name: "Contoso Admin",
    password: account.password,
    role: "Reseller admin",
  });
  await users.submitNew();
  await expect(dialog.locator("#user-email-error")).toContainText("already exists");

  await dialog.getByLabel("E-mail").fill(account.email);
  await users.submitNew();
  await expect(dialog).toHaveCount(0);
  await users.search(account.email);
  await expect(users.row(account.email)).toContainText("Reseller admin");
  await expect(users.row(account.email)).toContainText("Contoso Channel");
  await shell.signOut();

  shell = await signIn(page, account);
  await shell.expectSignedInAs("Contoso Admin");
  await shell.go("Companies");
  await expect(page.getByRole("link", { name: "Umbrella Health" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Acme Manufacturing" })).toHaveCount(0);

  // They create reseller staff of their own reseller only, and company users; never platform staff.
  await shell.go("Users");
  await users.openNew();
  await expect(users.kindChoices()).toHaveCount(2);
  await expect(users.newDialog().getByRole("radio", { name: "Platform staff" })).toHaveCount(0);
  await users.newDialog().getByRole("radio", { name: "Reseller staff" }).check();
  await expect(users.newDialog().getByTestId("user-reseller-fixed")).toHaveText("Contoso Channel");
});

test("a super admin creates platform staff and changes a user's role", async ({ page }) => {
  const shell: Shell = await signIn(page, SUPER_ADMIN);
  await shell.go("Users");
  const users = new UsersPage(page);

  const staff = email("platform");
  await users.create({
    kind: "Platform staff",
    email: staff,
    name: unique("Platform Staff"),
    password: "a long enough password",
    role: "Super admin",
  });
  await expect(users.row(staff)).toContainText("Platform");

  const member = email("acme.member");
  await users.create({
    kind: "Company user",
    company: "Acme Manufacturing",
    email: member,
    name: unique("Acme Member"),
    password: "a long enough password",
    role: "Company member",
  });
  await expect(users.row(member)).toContainText("Acme Manufacturing");

  const edit = await users.edit(member);
  // Only roles for company users are offered to a company user.
  await expect(edit.getByLabel("Role", { exact: true }).locator("option", { hasText: "Super admin" })).toHaveCount(0);
  await edit.getByLabel("Role", { exact: true }).selectOption({ label: "Company admin" });
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toHaveCount(0);
  await expect(users.row(member)).toContainText("Company admin");

  // A hub user's role can be edited too (among the roles of their kind).
  await users.search(staff);
  const staffEdit = await users.edit(staff);
  await expect(staffEdit.getByLabel("Role", { exact: true })).toHaveValue(/.+/);
  await expect(staffEdit.getByLabel("Role", { exact: true }).locator("option")).toHaveText(["Super admin"]);
});

test("a company admin creates users of their own company only", async ({ page }) => {
  const shell: Shell = await signIn(page, COMPANY_ADMIN);
  await shell.go("Users");
  const users = new UsersPage(page);
  const dialog = await users.openNew();
  await expect(users.kindChoices()).toHaveCount(0);
  await expect(dialog.getByLabel("Reseller", { exact: true })).toHaveCount(0);
  await expect(dialog.getByLabel("Company", { exact: true })).toHaveCount(0);
  const roles = dialog.getByLabel("Role", { exact: true }).locator("option");
  await expect(roles.filter({ hasText: "Company admin" })).toHaveCount(1);
  await expect(roles.filter({ hasText: "Super admin" })).toHaveCount(0);
  await expect(roles.filter({ hasText: "Reseller admin" })).toHaveCount(0);
});
