import type { NextConfig } from "next";

type HeaderEnv = { NODE_ENV?: string; NEXTAUTH_URL?: string };

/**
 * Security headers for every route, pages and API alike (docs/security.md). Computed when Next
 * loads this config — at `next build` for production, so NEXTAUTH_URL must be set at build time
 * for HSTS (`./studio start` builds and serves with the same environment).
 *
 * Content-Security-Policy, directive by directive:
 * - script-src 'self' 'unsafe-inline': the App Router streams its RSC payload in inline
 *   <script>self.__next_f.push(…)</script> tags; without per-request nonces (which would make every
 *   page dynamic) 'unsafe-inline' is the only way they run. React escapes what it renders, so this
 *   is a second line, not the first. 'unsafe-eval' only in development (React Refresh / dev stacks).
 * - style-src 'self' 'unsafe-inline': React `style={…}` attributes (progress bars, swatches,
 *   recharts' SVG) and Tailwind's stylesheet.
 * - img-src 'self' data: blob:: the layout preview is a data:image/svg+xml URL; the Score page shows
 *   the chosen file as a FileReader data: URL; images come from /api/images on this origin.
 * - connect-src 'self' (+ ws: in development for hot reload): tRPC and the REST routes only.
 * - frame-ancestors 'none', object-src 'none', base-uri 'self', form-action 'self'.
 */
export function securityHeaders(env: HeaderEnv): { key: string; value: string }[] {
  const development = env.NODE_ENV === "development";
  const https = (env.NEXTAUTH_URL ?? "").toLowerCase().startsWith("https://");
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${development ? " ws: wss:" : ""}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
  return [
    { key: "Content-Security-Policy", value: csp },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "X-Frame-Options", value: "DENY" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()" },
    { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
    // HSTS over plain HTTP is ignored by browsers, and on a localhost setup it would pin the host
    // to HTTPS for a year: only when the app's public URL is https.
    ...(https ? [{ key: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" }] : []),
  ];
}

const nextConfig: NextConfig = {
  // Native / WASM packages that must be loaded from node_modules at run time, not bundled.
  serverExternalPackages: ["onnxruntime-node", "@electric-sql/pglite", "pg", "bcryptjs"],
  experimental: { authInterrupts: true },
  poweredByHeader: false,
  // Build configuration, read by Next before the app's server/env.ts exists (an allowed
  // process.env reader in tests/unit/secretsFromEnv.test.ts).
  headers: async () => [{ source: "/:path*", headers: securityHeaders({ NODE_ENV: process.env.NODE_ENV, NEXTAUTH_URL: process.env.NEXTAUTH_URL }) }],
};

export default nextConfig;
