import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native / WASM packages that must be loaded from node_modules at run time, not bundled.
  serverExternalPackages: ["onnxruntime-node", "@electric-sql/pglite", "pg", "bcryptjs"],
  experimental: { authInterrupts: true },
  poweredByHeader: false,
};

export default nextConfig;
