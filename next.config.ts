import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

const withNextIntl = createNextIntlPlugin("./i18n/request.ts");

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Native/WASM database drivers load at run time from node_modules, not from the bundle.
  // esbuild bundles release steps at run time (a native binary, not bundleable itself).
  serverExternalPackages: ["@electric-sql/pglite", "pg", "esbuild"],
  devIndicators: false,
  // `npm run typecheck` checks the whole project (CI runs it before the tests); checking again
  // inside every build would double the slowest step on a 2-core machine.
  typescript: { ignoreBuildErrors: true },
};

export default withNextIntl(nextConfig);
