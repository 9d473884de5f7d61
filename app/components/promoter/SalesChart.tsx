import type { TierSeries } from "~/services/promoter.server";

const COLORS = ["#4f46e5", "#059669", "#d97706", "#db2777", "#0891b2", "#7c3aed", "#65a30d", "#dc2626"];

/** Tickets sold per tier over time: cumulative step lines in a small inline SVG (no chart library). */
export function SalesChart({ tiers, now }: { tiers: Pick<TierSeries, "name" | "points" | "position">[]; now: number }) {
  const all = tiers.flatMap((t) => t.points);
  if (all.length === 0) {
    return <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-center text-sm text-zinc-600">No tickets sold yet.</p>;
  }
  const W = 640;
  const H = 220;
  const pad = { l: 40, r: 12, t: 12, b: 28 };
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(now, ...all.map((p) => p.t));
  const span = Math.max(1, t1 - t0);
  const max = Math.max(1, ...all.map((p) => p.sold));
  const x = (t: number) => pad.l + ((t - t0) / span) * (W - pad.l - pad.r);
  const y = (n: number) => H - pad.b - (n / max) * (H - pad.t - pad.b);
  const fmt = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  const summary = tiers.map((t) => `${t.name}: ${t.points.at(-1)?.sold ?? 0}`).join(", ");
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Tickets sold over time. ${summary}`} className="h-auto w-full">
        {[...new Set([0, Math.round(max / 2), max])].map((n) => (
          <g key={n}>
            <line x1={pad.l} x2={W - pad.r} y1={y(n)} y2={y(n)} stroke="#e4e4e7" />
            <text x={pad.l - 6} y={y(n) + 4} textAnchor="end" fontSize="11" fill="#52525b">
              {n}
            </text>
          </g>
        ))}
        <text x={pad.l} y={H - 8} fontSize="11" fill="#52525b">
          {fmt.format(t0)} UTC
        </text>
        <text x={W - pad.r} y={H - 8} fontSize="11" fill="#52525b" textAnchor="end">
          {fmt.format(t1)} UTC
        </text>
        {tiers.map((tier, i) => {
          if (!tier.points.length) return null;
          let d = `M ${x(t0)} ${y(0)}`;
          let last = 0;
          for (const p of tier.points) {
            d += ` L ${x(p.t)} ${y(last)} L ${x(p.t)} ${y(p.sold)}`;
            last = p.sold;
          }
          d += ` L ${x(t1)} ${y(last)}`;
          return <path key={tier.position} d={d} fill="none" stroke={COLORS[i % COLORS.length]} strokeWidth="2.5" strokeLinejoin="round" />;
        })}
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-4 text-xs text-zinc-700">
        {tiers.map((tier, i) => (
          <span key={tier.position} className="inline-flex items-center gap-1.5">
            <span aria-hidden="true" className="inline-block size-2.5 rounded-full" style={{ background: COLORS[i % COLORS.length] }} />
            {tier.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
