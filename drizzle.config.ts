import { defineConfig } from "drizzle-kit";

// Migrations are generated from db/schema.ts and committed (db/migrations). They are applied by
// db/migrate.ts (and at start-up by server/main.ts), on PGlite and on PostgreSQL alike.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./db/migrations",
});
