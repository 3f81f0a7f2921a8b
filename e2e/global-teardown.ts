/** Removes the temporary database folder of the run (the server has stopped by now). */
import { rmSync } from "node:fs";

export default function globalTeardown(): void {
  const dir = process.env.PORTCULLIS_E2E_DB_DIR;
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
  }
}
