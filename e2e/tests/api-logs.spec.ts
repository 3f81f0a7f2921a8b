import { expect, test } from "@playwright/test";

import { COMPANY_ADMIN, SUPER_ADMIN } from "../fixtures/accounts";
import { LogsPage, TRAFFIC, arrangeTraffic, waitForLogs } from "../fixtures/logs";
import { signIn } from "../fixtures/pages";
import { pageScreenshot } from "../fixtures/screenshots";

test("a super admin finds a company's requests, narrows them, reads one and exports them", async ({
  page,
  request,
}, testInfo) => {
  test.setTimeout(120_000);
  const traffic = await arrangeTraffic(request);
  await waitForLogs(request, traffic.companyId, TRAFFIC.length);

  const shell = await signIn(page, SUPER_ADMIN);
  await shell.go("API Logs");
  const logs = new LogsPage(page);
  // The demo data's day of requests: charts, and full top-10 tables.
  await expect(page.getByRole("img", { name: /^Requests and errors over time/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /^Response time percentiles/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /^Responses by status class/ })).toBeVisible();
  await expect(logs.top("top-endpoints").locator("tbody tr")).toHaveCount(10);
  await expect(logs.top("active-companies")).toContainText("Acme Manufacturing");
  await pageScreenshot(page, testInfo, "api-logs");

  // Only this company: exactly the test's 12 requests, everywhere on the page.
  await logs.filter("Company").selectOption({ label: traffic.companyName });
  await expect.poll(() => logs.query().get("company")).toBe(traffic.companyId);
  await expect(logs.total()).toHaveText("12");
  await expect(logs.count()).toHaveText("12 matching");
  await expect(logs.rows()).toHaveCount(12);
  await expect(logs.rows().first()).toContainText(traffic.userName);
  await expect(logs.rows().first()).toContainText("Personal token");
  const top = logs.top("top-endpoints").locator("tbody tr");
  await expect(top).toHaveCount(4);
  await expect(top.nth(0)).toHaveText(/GET\s*\/api\/v1\/employees\s*5$/);
  await expect(top.nth(1)).toHaveText(/GET\s*\/api\/v1\/company\s*3$/);
  await expect(logs.topRow("top-endpoints", "POST", "/api/v1/employees")).toHaveText(/2$/);
  await expect(logs.topRow("top-endpoints", "GET", "/api/v1/employees/{id}")).toHaveText(/2$/);
  await expect(logs.top("slowest-endpoints").locator("tbody tr")).toHaveCount(4);
  await expect(logs.topRow("slowest-endpoints", "GET", "/api/v1/employees")).toHaveText(/5$/);
  const companies = logs.top("active-companies").locator("tbody tr");
  await expect(companies).toHaveCount(1);
  await expect(companies).toHaveText(new RegExp(`${traffic.companyName}\\s*12$`));
  await expect(page.getByRole("img", { name: /^Responses by status class: 2xx 8 \(66\.7%\), 4xx 4 \(33\.3%\)/ })).toBeVisible();

  // A filter that matches nothing says so.
  await logs.filter("Exception").selectOption({ label: "With an exception" });
  await expect(page.getByText("No requests match these filters")).toBeVisible();
  await expect(logs.total()).toHaveText("0");
  await page.goBack();
  await expect(logs.count()).toHaveText("12 matching");

  // Method: the URL says so, Back undoes it.
  await logs.filter("Method").selectOption("POST");
  await expect.poll(() => logs.query().get("method")).toBe("POST");
  await expect(logs.count()).toHaveText("2 matching");
  await expect(logs.rows()).toHaveCount(2);
  for (const row of await logs.rows().all()) {
    await expect(row).toContainText("POST");
    await expect(row).toContainText("422");
  }
  await page.goBack();
  await expect.poll(() => logs.query().get("method")).toBeNull();
  await expect(logs.count()).toHaveText("12 matching");

  // A status class; a reload shows the same view.
  await logs.filter("Response code").fill("4xx");
  await logs.filter("Response code").press("Enter");
  await expect.poll(() => logs.query().get("status")).toBe("4xx");
  await expect(logs.count()).toHaveText("4 matching");
  await page.reload();
  await expect(logs.count()).toHaveText("4 matching");
  await expect(logs.filter("Response code")).toHaveValue("4xx");
  await expect(logs.filter("Company")).toHaveValue(traffic.companyId);
  await expect(logs.total()).toHaveText("4");

  // The CSV holds exactly the filtered rows.
  const { download, records } = await logs.exportCsv();
  expect(download.suggestedFilename()).toMatch(/^api-logs-\d{8}T\d{6}Z-\d{8}T\d{6}Z\.csv$/);
  expect(records).toHaveLength(4);
  expect(records.map((r) => `${r.method} ${r.endpoint} ${r.status}`).sort()).toEqual([
    "GET /api/v1/employees/{id} 404",
    "GET /api/v1/employees/{id} 404",
    "POST /api/v1/employees 422",
    "POST /api/v1/employees 422",
  ]);
  for (const r of records) {
    expect(r.company_id).toBe(traffic.companyId);
    expect(r.credential_kind).toBe("personal_access_token");
  }

  // A row of a top table applies itself as a filter.
  await logs.topRow("top-endpoints", "GET", "/api/v1/employees/{id}").click();
  await expect.poll(() => logs.query().get("endpoint")).toBe("/api/v1/employees/{id}");
  expect(logs.query().get("method")).toBe("GET");
  await expect(logs.count()).toHaveText("2 matching");

  // The detail drawer: everything of one request, secrets redacted.
  await logs.rows().first().click();
  const drawer = logs.drawer();
  await expect(drawer).toBeVisible();
  await expect(drawer.getByRole("heading", { name: "/api/v1/employees/{id}" })).toBeVisible();
  await expect(drawer).toContainText("/api/v1/employees/0192f3a4-0000-7000-8000-000000000000");
  await expect(drawer).toContainText(traffic.companyName);
  await expect(drawer).toContainText("Personal token");
  const auth = drawer.getByTestId("request-headers").getByRole("row", { name: /^authorization/ });
  await expect(auth).toContainText("[REDACTED]");
  await expect(drawer.getByTestId("response-headers")).toContainText("application/problem+json");
  await expect(drawer).not.toContainText(traffic.token);
  // The drawer is fixed to the window: picture it from the top of the page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await pageScreenshot(page, testInfo, "api-logs-drawer");
  await page.keyboard.press("Escape");
  await expect(drawer).toHaveCount(0);
});

test.describe("at 390 px wide", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("a company admin reads the dashboard on a phone", async ({ page }, testInfo) => {
    await signIn(page, COMPANY_ADMIN);
    const logs = new LogsPage(page);
    await logs.open();
    await expect(page.getByRole("img", { name: /^Requests and errors over time/ })).toBeVisible();
    // Company users see their own company only: no company filter, no company ranking.
    await expect(logs.filter("Company")).toHaveCount(0);
    await expect(logs.top("active-companies")).toHaveCount(0);
    await expect(logs.rows().first()).toBeVisible();
    const overflow = await page.evaluate(
      () => document.scrollingElement!.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    // Kept with the test's results (the 1280 px pictures are in e2e/screenshots/).
    const phone = testInfo.outputPath("api-logs-390.png");
    await page.screenshot({ path: phone, fullPage: true });
    await testInfo.attach("api-logs-390", { path: phone, contentType: "image/png" });
    await logs.rows().first().click();
    await expect(logs.drawer()).toBeVisible();
    await logs.drawer().getByRole("button", { name: "Close" }).click();
    await expect(logs.drawer()).toHaveCount(0);

    // A range the server refuses shows its reason.
    await logs.open("from=2026-12-02T10:00:00Z&to=2026-12-01T10:00:00Z");
    await expect(page.getByRole("alert").first()).toContainText("from must be before to");
  });
});
