import type { SessionUser } from "@/server/api/trpc";
import { NavLink } from "./NavLink";
import { SignOutButton } from "./SignOutButton";
import { BootstrapBanner } from "./BootstrapBanner";

const MARKETER_LINKS = [
  { href: "/generate", label: "Generate" },
  { href: "/score", label: "Score" },
  { href: "/compare", label: "Compare" },
  { href: "/history", label: "History" },
  { href: "/insights", label: "Insights" },
];
const ADMIN_LINKS = [
  { href: "/admin/data", label: "Data" },
  { href: "/admin/runs", label: "Runs" },
  { href: "/admin/models", label: "Models" },
  { href: "/admin/evaluation", label: "Evaluation" },
  { href: "/admin/users", label: "Users" },
];

export function AppShell({ user, children }: { user: SessionUser; children: React.ReactNode }) {
  return (
    <div className="flex min-h-screen">
      <aside className="w-56 shrink-0 border-r border-slate-200 bg-white px-3 py-5">
        <div className="mb-6 px-3 text-lg font-semibold tracking-tight">BOIG Studio</div>
        <nav aria-label="Marketer" className="space-y-1">
          {MARKETER_LINKS.map((l) => (
            <NavLink key={l.href} href={l.href}>{l.label}</NavLink>
          ))}
        </nav>
        {user.role === "admin" && (
          <nav aria-label="Admin" className="mt-6 space-y-1">
            <div className="px-3 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-400">Admin</div>
            {ADMIN_LINKS.map((l) => (
              <NavLink key={l.href} href={l.href}>{l.label}</NavLink>
            ))}
          </nav>
        )}
        <nav aria-label="Account" className="mt-6 space-y-1">
          <NavLink href="/settings">Settings</NavLink>
        </nav>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-end gap-3 border-b border-slate-200 bg-white px-6 py-3">
          <span className="text-sm text-slate-600" data-testid="current-user">{user.email}</span>
          <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600">{user.role}</span>
          <SignOutButton />
        </header>
        <BootstrapBanner />
        <main className="flex-1 px-8 py-6">{children}</main>
      </div>
    </div>
  );
}
