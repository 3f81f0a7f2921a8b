import { expect, test } from "@playwright/test";

import { COMPANY_ADMIN, unique } from "../fixtures/accounts";
import { Shell, signIn } from "../fixtures/pages";

// A company admin sets up a least-privilege user: a custom role, a visibility group, the user.
test("a company admin creates a role, a visibility group and a user with both", async ({ page }) => {
  const shell: Shell = await signIn(page, COMPANY_ADMIN);

  await shell.go("Roles");
  await expect(page.getByRole("cell", { name: "Company admin" })).toBeVisible();
  await page.getByRole("button", { name: "New role" }).click();
  const roleDialog = page.getByRole("dialog", { name: "New role" });
  const roleName = unique("Reporting");
  await roleDialog.getByLabel("Name", { exact: true }).fill(roleName);
  await roleDialog.getByRole("checkbox", { name: /employees\.read/ }).check();
  await roleDialog.getByRole("button", { name: "Save" }).click();
  await expect(roleDialog).toHaveCount(0);
  const roleRow = page.getByRole("row").filter({ hasText: roleName });
  await expect(roleRow).toContainText("Custom");
  await expect(roleRow).toContainText("1 permissions");

  await shell.go("Visibility groups");
  await page.getByRole("button", { name: "New group" }).click();
  const groupDialog = page.getByRole("dialog", { name: "New visibility group" });
  const groupName = unique("Sales team");
  await groupDialog.getByLabel("Name", { exact: true }).fill(groupName);
  await groupDialog.getByLabel("Departments").fill("Sales, Support, Sales");
  await groupDialog.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("row").filter({ hasText: groupName })).toContainText("Sales, Support");

  await shell.go("Users");
  await page.getByRole("button", { name: "New user" }).click();
  const userDialog = page.getByRole("dialog", { name: "New user" });
  const email = `${Date.now().toString(36)}@acme.example`;
  await userDialog.getByLabel("E-mail").fill(email);
  await userDialog.getByLabel("Name", { exact: true }).fill("Report Bot");
  await userDialog.getByLabel("Password").fill("short");
  await userDialog.getByLabel("Role").selectOption({ label: roleName });
  await userDialog.getByRole("button", { name: "Create user" }).click();
  await expect(userDialog.locator("#user-password-error")).toContainText("at least 12");
  await userDialog.getByLabel("Password").fill("a long enough password");
  await userDialog.getByRole("button", { name: "Create user" }).click();
  await expect(userDialog).toHaveCount(0);
  const userRow = page.getByRole("row").filter({ hasText: email });
  await expect(userRow).toContainText(roleName);

  // Put the user in the group, then deactivate them (asks first).
  await userRow.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog", { name: `Edit ${email}` });
  await edit.getByRole("checkbox", { name: new RegExp(groupName) }).check();
  // The list is fetched again after a save; until it arrives its rows are the old ones (a busy
  // machine made the next Edit open on them), so the test waits for the new list.
  const refreshed = page.waitForResponse(
    (r) => r.url().endsWith("/graphql") && (r.request().postData() ?? "").includes("query Users("),
  );
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toHaveCount(0);
  await refreshed;
  await userRow.getByRole("button", { name: "Edit" }).click();
  await expect(edit.getByRole("checkbox", { name: new RegExp(groupName) })).toBeChecked();
  await edit.getByRole("button", { name: "Deactivate user" }).click();
  const confirm = page.getByRole("dialog", { name: "Deactivate this user?" });
  // Escape closes the confirmation only, not the form under it.
  await expect(confirm).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(confirm).toHaveCount(0);
  await expect(edit).toBeVisible();
  await edit.getByRole("button", { name: "Deactivate user" }).click();
  await confirm.getByRole("button", { name: "Deactivate" }).click();
  await expect(userRow).toContainText("Deactivated");

  // A role someone holds cannot be deleted: the server says so.
  await shell.go("Roles");
  await page.getByRole("row").filter({ hasText: roleName }).getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete role" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: roleName })).toBeVisible();
});
