/**
 * Security headers (issue 8, docs/security.md): next.config's headers() puts them on every route,
 * and the Content-Security-Policy lets through exactly what the app needs — inline styles, data:
 * SVG previews, FileReader data: / blob: images, same-origin fetches — and nothing else: no
 * framing, no plugins, no foreign scripts, no eval in production, HSTS only behind https.
 * Loaded both as a module and through Next's own config loader, so the file Next reads works.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import nextConfig, { securityHeaders } from "@/next.config";

const asMap = (headers: { key: string; value: string }[]) => new Map(headers.map((h) => [h.key.toLowerCase(), h.value]));
const directives = (csp: string) => new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));

describe("security headers", () => {
  it("apply to every route, pages and API alike", async () => {
    const rules = await nextConfig.headers!();
    expect(rules).toHaveLength(1);
    expect(rules[0]!.source).toBe("/:path*");
    const headers = asMap(rules[0]!.headers);
    for (const name of ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy", "permissions-policy"]) expect(headers.has(name), name).toBe(true);
    expect(nextConfig.poweredByHeader).toBe(false);
  });

  it("production CSP: same-origin by default, inline scripts and styles (Next's bootstrap, React style attributes), no eval", () => {
    const headers = asMap(securityHeaders({ NODE_ENV: "production", NEXTAUTH_URL: "http://localhost:3000" }));
    const csp = directives(headers.get("content-security-policy")!);
    expect(csp.get("default-src")).toEqual(["'self'"]);
    expect(csp.get("script-src")).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.get("connect-src")).toEqual(["'self'"]);
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("base-uri")).toEqual(["'self'"]);
    expect(csp.get("form-action")).toEqual(["'self'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(headers.get("content-security-policy")).not.toContain("unsafe-eval");
    expect(headers.get("content-security-policy")).not.toMatch(/https?:|\*/); // no foreign origins
  });

  it("lets the app's own images through: data:image/svg+xml previews, FileReader data: URLs, blob: previews", () => {
    const csp = directives(asMap(securityHeaders({ NODE_ENV: "production" })).get("content-security-policy")!);
    expect(csp.get("img-src")).toEqual(expect.arrayContaining(["'self'", "data:", "blob:"]));
  });

  it("refuses framing twice (X-Frame-Options for old browsers), sniffing, referrer leaks and device APIs", () => {
    const headers = asMap(securityHeaders({ NODE_ENV: "production" }));
    expect(headers.get("x-frame-options")).toBe("DENY");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    expect(headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    for (const feature of ["camera=()", "microphone=()", "geolocation=()"]) expect(headers.get("permissions-policy")).toContain(feature);
    expect(headers.get("cross-origin-opener-policy")).toBe("same-origin");
  });

  it("sends HSTS (and upgrade-insecure-requests) only when the public URL is https", () => {
    const http = asMap(securityHeaders({ NODE_ENV: "production", NEXTAUTH_URL: "http://studio.example" }));
    expect(http.has("strict-transport-security")).toBe(false);
    expect(http.get("content-security-policy")).not.toContain("upgrade-insecure-requests");
    expect(asMap(securityHeaders({ NODE_ENV: "production" })).has("strict-transport-security")).toBe(false);
    const https = asMap(securityHeaders({ NODE_ENV: "production", NEXTAUTH_URL: "https://studio.example" }));
    expect(https.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(https.get("content-security-policy")).toContain("upgrade-insecure-requests");
  });

  it("allows eval and hot-reload websockets in development only", () => {
    const csp = directives(asMap(securityHeaders({ NODE_ENV: "development" })).get("content-security-policy")!);
    expect(csp.get("script-src")).toContain("'unsafe-eval'");
    expect(csp.get("connect-src")).toEqual(["'self'", "ws:", "wss:"]);
  });

  it("loads through Next's own config loader with the same headers", async () => {
    type Rules = { source: string; headers: { key: string; value: string }[] }[];
    type LoadConfig = (phase: string, dir: string) => Promise<{ headers?: () => Promise<Rules> }>;
    const loaded = (await import("next/dist/server/config.js")) as unknown as { default: LoadConfig | { default: LoadConfig } };
    const loadConfig = typeof loaded.default === "function" ? loaded.default : loaded.default.default;
    const config = await loadConfig("phase-production-server", path.resolve(__dirname, "../.."));
    const rules = await config.headers!();
    expect(rules[0]!.source).toBe("/:path*");
    expect(asMap(rules[0]!.headers).get("x-frame-options")).toBe("DENY");
  });
});
