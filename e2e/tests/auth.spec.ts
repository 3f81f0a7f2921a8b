import { expect, test } from "@playwright/test";

import { COMPANY_ADMIN, SUPER_ADMIN } from "../fixtures/accounts";
import { LoginPage, Shell, signIn } from "../fixtures/pages";

test("a wrong password is refused with the server's message", async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.signIn({ email: COMPANY_ADMIN.email, password: "not-the-password" });
  await expect(login.error()).toBeVisible();
  await expect(login.error()).toHaveText("invalid email or password");
  await expect(page).toHaveURL(/\/login$/);
});

test("empty fields are caught before anything is sent", async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(login.error()).toHaveText("Enter your e-mail address and your password.");
});

test("signing in opens the app; signing out ends the session", async ({ page }) => {
  const shell = await signIn(page, SUPER_ADMIN);
  await shell.expectSignedInAs("Super admin");
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  const token = await page.evaluate(() => localStorage.getItem("portcullis.session"));
  expect(token).toBeTruthy();

  await shell.signOut();
  expect(await page.evaluate(() => localStorage.getItem("portcullis.session"))).toBeNull();
  // The old token no longer works on the server either.
  const res = await page.request.post("/graphql", {
    headers: { Authorization: `Bearer ${token}` },
    data: { query: "{ me { id } }" },
  });
  const body = await res.json();
  expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
});

test("a page behind the sign-in sends a signed-out visitor to the sign-in page", async ({ page }) => {
  await page.goto("/companies");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("a session that ends elsewhere sends the user back to sign in, saying why", async ({ page }) => {
  await signIn(page, SUPER_ADMIN);
  const token = await page.evaluate(() => localStorage.getItem("portcullis.session"));
  // The session is signed out behind the page's back (another tab, an admin, expiry).
  const res = await page.request.post("/graphql", {
    headers: { Authorization: `Bearer ${token}` },
    data: { query: "mutation { logout }" },
  });
  expect((await res.json()).data.logout).toBe(true);

  await new Shell(page).go("Companies");
  await expect(page).toHaveURL(/\/login\?expired=1$/);
  await expect(page.getByText("Your session ended. Please sign in again.")).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem("portcullis.session"))).toBeNull();
});
