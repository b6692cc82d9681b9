import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="flex min-h-[60vh] flex-col items-center justify-center gap-3 text-center">
      <p className="text-sm font-semibold text-red-600">403</p>
      <h1 className="text-2xl font-semibold">Admins only</h1>
      <p className="text-slate-600">Your account does not have access to this page.</p>
      <Link href="/" className="text-brand-600 hover:underline">Back to the studio</Link>
    </main>
  );
}
